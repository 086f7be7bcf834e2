import Dispatch
import Synchronization
import ZTISystemd

/// What the supervisor tells systemd (READY, STATUS, RELOADING, STOPPING, WATCHDOG). sd_notify blocks while
/// systemd's queue is full: the messages go out, in order, from a queue of their own, so the supervisor never
/// waits for systemd.
final class SystemdReporter: Sendable {
    private let notifier = SystemdNotifier()
    private let queue = DispatchQueue(label: "ztisup.notify")
    private let lastSummary = Mutex("")

    func notify(_ messages: [NotifyMessage]) {
        let notifier = self.notifier
        queue.async { _ = try? notifier.send(messages) }
    }

    /// STATUS= when the summary changed since the last one sent.
    func publish(_ summary: String) {
        let changed = lastSummary.withLock { last in
            defer { last = summary }
            return last != summary
        }
        if changed { notify([.status(summary)]) }
    }

    /// READY=1 with the summary (after the start, and after each reload).
    func ready(_ summary: String) {
        lastSummary.withLock { $0 = summary }
        notify([.ready, .status(summary)])
    }
}
