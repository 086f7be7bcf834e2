import Dispatch
import Glibc

/// Reaps exited children on SIGCHLD (so none stays a zombie) and tells the supervisor.
public final class ChildReaper {
    private let source: any DispatchSourceSignal

    public init(supervisor: Supervisor) {
        source = DispatchSource.makeSignalSource(signal: SIGCHLD, queue: .global())
        source.setEventHandler {
            // Several exits can share one SIGCHLD: reap until none is left.
            while true {
                var status: Int32 = 0
                let pid = waitpid(-1, &status, WNOHANG)
                guard pid > 0 else { break }
                let signal = status & 0x7f
                let code = signal == 0 ? (status >> 8) & 0xff : 128 + signal
                Task { await supervisor.reaped(pid: pid, status: code) }
            }
        }
        source.resume()
    }

    deinit { source.cancel() }
}
