import Glibc
import ZTIProcess

/// A child process for tests and benchmarks: spawned with `posix_spawn`, reaped with `waitpid`, and every wait on
/// it or its pipes bounded by a deadline, after which the child is killed.
///
/// Foundation's `Process` is not used: on Linux its `waitUntilExit()` can miss an exit and block forever
/// (swift-corelibs-foundation #5153, swift #79881), and its pipes are inherited by children that other tests
/// spawn at the same moment, so a reader can wait for an EOF that never comes. One such wait used up a whole CI
/// run. Here the child gets only fds 0 to 2.
public final class ChildProcess {
    public enum Output {
        /// `/dev/null`.
        case discard
        /// A pipe the test reads through `standardOutput` or `standardError`.
        case pipe
        /// The test runner's own descriptor.
        case inherit
    }

    /// What `run` collected from a child that ran to its end.
    public struct Outcome {
        /// The exit status, 128 + the signal for a child killed by one (as a shell reports it), or nil when the
        /// child had to be killed at the deadline.
        public let status: Int32?
        public let stdout: String
        public let stderr: String
    }

    public let pid: pid_t
    /// The read end of the child's stdout when it is `.pipe`.
    public let standardOutput: Int32?
    /// The read end of the child's stderr when it is `.pipe`.
    public let standardError: Int32?
    /// The exit status once the child has been reaped (see `Outcome.status`).
    public private(set) var exitStatus: Int32?
    private var reaped = false

    /// Spawns `executable` with `arguments`; `environment` replaces the runner's when given, and `link` becomes the
    /// child's fd 3.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        stdout: Output = .discard, stderr: Output = .discard, link: Int32? = nil
    ) throws(ChildProcessError) {
        var parentEnds: [Int32] = []
        var childEnds: [Int32] = []
        func wire(_ output: Output) throws(ChildProcessError) -> (ProcessSpawner.Wiring, Int32?) {
            switch output {
            case .inherit: return (.inherit, nil)
            case .discard: return (.devNull, nil)
            case .pipe:
                var ends: [Int32] = [-1, -1]
                guard pipe(&ends) == 0 else { throw ChildProcessError(what: "pipe", errno: errno) }
                for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
                parentEnds.append(ends[0])
                childEnds.append(ends[1])
                return (.descriptor(ends[1]), ends[0])
            }
        }
        defer { for fd in childEnds { close(fd) } }
        let out: (ProcessSpawner.Wiring, Int32?)
        let err: (ProcessSpawner.Wiring, Int32?)
        do {
            out = try wire(stdout)
            err = try wire(stderr)
        } catch {
            for fd in parentEnds { close(fd) }
            throw error
        }
        do {
            pid = try ProcessSpawner.spawn(
                executable, arguments, environment: environment.map { $0.map { $0.key + "=" + $0.value } },
                stdout: out.0, stderr: err.0, link: link)
        } catch {
            for fd in parentEnds { close(fd) }
            throw ChildProcessError(what: error.message, errno: 0)
        }
        standardOutput = out.1
        standardError = err.1
    }

    deinit {
        if !reaped { kill() }
        if let standardOutput { close(standardOutput) }
        if let standardError { close(standardError) }
    }

    /// Runs `executable` to its end and collects both outputs; a child still running after `seconds` is killed.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, seconds: Double = 60
    ) throws(ChildProcessError) -> Outcome {
        let child = try ChildProcess(executable, arguments, environment: environment, stdout: .pipe, stderr: .pipe)
        let deadline = Deadline(seconds: seconds)
        var collected: [Int32: [UInt8]] = [:]
        var open = [child.standardOutput, child.standardError].compactMap { $0 }
        while !open.isEmpty, !deadline.passed {
            var watched = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&watched, nfds_t(watched.count), deadline.pollMilliseconds) > 0 else { continue }
            for entry in watched where entry.revents != 0 {
                let bytes = readSome(entry.fd)
                if bytes.isEmpty {
                    open.removeAll { $0 == entry.fd }
                } else {
                    collected[entry.fd, default: []] += bytes
                }
            }
        }
        let status = child.wait(seconds: max(deadline.remaining, 1))
        func text(_ fd: Int32?) -> String { String(decoding: fd.flatMap { collected[$0] } ?? [], as: UTF8.self) }
        return Outcome(status: status, stdout: text(child.standardOutput), stderr: text(child.standardError))
    }

    /// True until the child has exited (reaping it when it has).
    public var isRunning: Bool {
        reap(options: WNOHANG)
        return !reaped
    }

    /// Waits up to `seconds` for the child to exit; past that it is killed. The exit status, or nil when it had to
    /// be killed.
    @discardableResult
    public func wait(seconds: Double = 30) -> Int32? {
        let deadline = Deadline(seconds: seconds)
        while isRunning {
            if deadline.passed {
                kill()
                return nil
            }
            usleep(5_000)
        }
        return exitStatus
    }

    public func signal(_ number: Int32) {
        if !reaped { Glibc.kill(pid, number) }
    }

    /// SIGKILL, then reaps the child.
    public func kill() {
        guard !reaped else { return }
        Glibc.kill(pid, SIGKILL)
        reap(options: 0)
    }

    /// One line of the child's stdout (without its line feed), read within `seconds`; nil at EOF or the deadline.
    public func readLine(seconds: Double = 10) -> String? {
        guard let fd = standardOutput else { return nil }
        let deadline = Deadline(seconds: seconds)
        var line: [UInt8] = []
        while !deadline.passed {
            var watched = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&watched, 1, deadline.pollMilliseconds) > 0 else { continue }
            var byte: UInt8 = 0
            guard read(fd, &byte, 1) == 1 else { return nil }
            if byte == 0x0A { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
        return nil
    }

    /// What `fd` has to give within `milliseconds`: empty at EOF or when nothing came.
    public static func readAvailable(_ fd: Int32, milliseconds: Int32) -> [UInt8] {
        var watched = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&watched, 1, milliseconds) > 0 else { return [] }
        return readSome(fd)
    }

    private static func readSome(_ fd: Int32) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = read(fd, &buffer, buffer.count)
        return count > 0 ? Array(buffer[..<count]) : []
    }

    private func reap(options: Int32) {
        guard !reaped else { return }
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, options) } while result < 0 && errno == EINTR
        guard result == pid else {
            // ECHILD: someone else reaped it; nothing more can be learnt.
            if result < 0 { reaped = true }
            return
        }
        reaped = true
        let signal = status & 0x7f
        exitStatus = signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
