import Dispatch
import Glibc

/// Reaps exited children on SIGCHLD (so none stays a zombie) and reports each exit: the pid and its status (the
/// exit code, or 128 + the signal that ended it).
public final class ChildReaper {
    private let source: any DispatchSourceSignal
    private let sweep: any DispatchSourceTimer

    public init(onExit: @escaping @Sendable (_ pid: pid_t, _ status: Int32) -> Void) {
        let queue = DispatchQueue(label: "ztisup.reaper")
        let reap = {
            // Several exits can share one SIGCHLD: reap until none is left.
            while true {
                var status: Int32 = 0
                let pid = waitpid(-1, &status, WNOHANG)
                guard pid > 0 else { break }
                let signal = status & 0x7f
                let code = signal == 0 ? (status >> 8) & 0xff : 128 + signal
                onExit(pid, code)
            }
        }
        source = DispatchSource.makeSignalSource(signal: SIGCHLD, queue: queue)
        source.setEventHandler(handler: reap)
        source.resume()
        // A second guard: a look every second, so no exit stays unnoticed even if a signal was missed.
        sweep = DispatchSource.makeTimerSource(queue: queue)
        sweep.schedule(deadline: .now() + 1, repeating: 1)
        sweep.setEventHandler(handler: reap)
        sweep.resume()
    }

    deinit {
        source.cancel()
        sweep.cancel()
    }
}
