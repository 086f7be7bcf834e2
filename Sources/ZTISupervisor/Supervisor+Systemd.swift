// What the supervisor tells systemd: READY once the workers said HELLO, the watchdog pings, the summary.
import ZTICore
import ZTISystemd

extension Supervisor {
    /// READY=1 once every worker said HELLO (or cannot), or at `startup.timeout`.
    func announceReadiness() async {
        let deadline = clock.now + global.startupTimeout
        while clock.now < deadline {
            let waiting = children.contains { role, child in
                guard case .worker = role else { return false }
                return !child.machine.saidHello && [.starting, .backoff].contains(child.state)
            }
            if !waiting { break }
            try? await clock.sleep(for: .milliseconds(50))
        }
        let summary = summary()
        systemd.ready(summary)
        logger.info("ready: \(summary)")
    }

    /// The watchdog rule: ping while this loop is live; the machine kills a worker whose heartbeat went stale.
    /// Groups in backoff, failed or held never stop the pings.
    func keepWatch() async {
        let interval = Watchdog.pingInterval()
        while !Task.isCancelled {
            try? await clock.sleep(for: min(interval ?? .seconds(1), .seconds(1)))
            for role in children.keys {
                apply(role, .watchdog(at: clock.now, stale: WireProtocol.heartbeatInterval * 3))
            }
            uploaderSeen = (await uploader.isConnected, await uploader.bufferedCount)
            systemd.publish(summary())
            if interval != nil { systemd.notify([.watchdog]) }
        }
    }

    func summary() -> String {
        let workers = children.filter { if case .worker = $0.key { true } else { false } }
        var counts: [GroupState: Int] = [:]
        for child in workers.values { counts[child.state, default: 0] += 1 }
        let order: [GroupState] = [.connected, .connecting, .starting, .backoff, .failed, .configError, .heldElsewhere]
        let parts = order.compactMap { state in counts[state].map { "\($0) \(state.rawValue)" } }
        return "\(workers.count) group\(workers.count == 1 ? "" : "s"): " + parts.joined(separator: ", ")
            + (uploaderSeen.connected ? "; uploader connected" : "; uploader not connected")
            + (uploaderSeen.queued > 0 ? ", \(uploaderSeen.queued) events queued" : "")
    }
}
