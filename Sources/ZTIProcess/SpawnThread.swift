import Foundation

/// One long-lived thread that every child is spawned from. `PR_SET_PDEATHSIG` fires when the *thread* that
/// created the child ends, not the process: spawned from a thread of the concurrency pool, which may retire when
/// idle, a child would get SIGTERM while its supervisor is alive. This thread never ends.
public final class SpawnThread: @unchecked Sendable {
    public static let shared = SpawnThread()

    private let condition = NSCondition()
    private var work: [() -> Void] = []

    private init() {
        let thread = Thread { [self] in
            while true {
                condition.lock()
                while work.isEmpty { condition.wait() }
                let next = work.removeFirst()
                condition.unlock()
                next()
            }
        }
        thread.name = "ztisup-spawn"
        thread.start()
    }

    /// Runs `body` on the spawning thread and returns what it gave.
    public func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            condition.lock()
            work.append { continuation.resume(returning: body()) }
            condition.signal()
            condition.unlock()
        }
    }
}
