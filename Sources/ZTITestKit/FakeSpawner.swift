import Foundation
import Glibc
import ZTICore
import ZTISupervisor

/// A ``Spawner`` whose workers are played in-process: each spawn hands the supervisor one end of a socket pair,
/// and a fake worker on the other end reads `CONFIG`, says `HELLO` and reports its PBX link up. A test makes a
/// worker "exit" with ``exit(_:status:)`` (the link closes and the supervisor is told it was reaped). Signals are
/// recorded; SIGTERM and SIGKILL end the fake worker like a real one.
public final class FakeSpawner: Spawner, @unchecked Sendable {
    private let lock = NSLock()
    private var nextPid: pid_t = 1000
    private var links: [pid_t: Int32] = [:]
    private var spawnedAt: [ContinuousClock.Instant] = []
    private var sent: [(pid_t, Int32)] = []
    /// Told when a fake child ends, as a reaper would.
    public var onExit: (@Sendable (pid_t, Int32) -> Void)?
    private let clock: any SupervisorClock

    public init(clock: any SupervisorClock) {
        self.clock = clock
    }

    /// When each worker was spawned, by the supervisor's clock.
    public var spawns: [ContinuousClock.Instant] { lock.withLock { spawnedAt } }
    /// The signals the supervisor sent, in order.
    public var signals: [(pid: pid_t, signal: Int32)] { lock.withLock { sent.map { ($0.0, $0.1) } } }
    /// The fake workers alive now.
    public var alive: [pid_t] { lock.withLock { links.keys.sorted() } }

    public func spawnWorker() async throws -> (pid: pid_t, link: Int32) {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw CocoaError(.fileWriteUnknown)
        }
        let pid = lock.withLock { () -> pid_t in
            nextPid += 1
            links[nextPid] = fds[1]
            spawnedAt.append(clock.now)
            return nextPid
        }
        let worker = fds[1]
        Thread.detachNewThread { Self.play(worker, pid: pid) }
        return (pid, fds[0])
    }

    public func spawnUploader() async throws -> pid_t {
        lock.withLock {
            nextPid += 1
            return nextPid
        }
    }

    public func signal(_ pid: pid_t, _ signal: Int32) {
        lock.withLock { sent.append((pid, signal)) }
        if signal == SIGTERM || signal == SIGKILL { exit(pid, status: signal == SIGKILL ? 128 + SIGKILL : 0) }
    }

    /// Ends fake worker `pid` with `status` (128 + a signal for a kill).
    public func exit(_ pid: pid_t, status: Int32) {
        guard let fd = lock.withLock({ links.removeValue(forKey: pid) }) else { return }
        // The fake worker's thread closes its end once its read sees the shutdown.
        shutdown(fd, Int32(SHUT_RDWR))
        onExit?(pid, status)
    }

    /// The fake worker: CONFIG in, then HELLO and a heartbeat with the link up; then it reads until the link ends.
    private static func play(_ fd: Int32, pid: pid_t) {
        var decoder = FrameDecoder(receiver: .worker, sender: .supervisor)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var configured = false
        defer { close(fd) }
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { return }
            decoder.feed(buffer[..<count])
            while let frame = try? decoder.next() {
                guard case .config(let settings) = frame, !configured else { continue }
                configured = true
                for reply in [
                    Frame.hello(Hello(role: .worker, pid: pid, group: settings.group.key)),
                    .heartbeat(Heartbeat(link: .connected)),
                ] {
                    guard let bytes = try? FrameEncoder.encode(reply) else { continue }
                    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                }
            }
        }
    }
}
