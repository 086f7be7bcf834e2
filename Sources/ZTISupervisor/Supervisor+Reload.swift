// The supervisor's reload (SIGHUP, by the ConfigDiff) and its stop ladder (workers, then the uploader).
import Glibc
import ZTICore
import ZTISystemd

extension Supervisor {
    /// SIGHUP: RELOADING=1, then the ``ConfigDiff``: new groups start, removed groups stop, changed groups restart,
    /// untouched groups keep running (groups held for a configuration error or failed start again). An invalid
    /// configuration is refused with its errors and the old one stays. Then READY=1.
    func reload() async {
        systemd.notify([.reloading(monotonicMicroseconds: SystemdNotifier.monotonicMicroseconds())])
        defer { systemd.ready(summary()) }
        let fresh: Configuration
        do {
            let loaded = try ConfigurationLoader.load(confDir: options.confDir, onlyGroup: options.onlyGroup)
            fresh = options.onlyGroup == nil ? loaded.limitedToEnabledGroups() : loaded
        } catch {
            logger.error("reload refused, the running configuration stays: \(error.message)")
            return
        }
        let diff = ConfigDiff(before: configuration.groups, after: fresh.groups)
        let held = diff.unchanged(after: fresh.groups).filter { key in
            [.configError, .failed].contains(children[.worker(group: key)]?.state)
        }
        configuration = fresh
        for key in diff.removed + diff.changed { await retire(.worker(group: key)) }
        for key in diff.removed {
            // Every frame of a removed group's worker goes to the uploader before it hears the group is gone.
            await finishLink(of: .worker(group: key))
            children[.worker(group: key)] = nil
            releaseLock(key)
        }
        // The uploader hears the groups this supervisor runs now (click-to-dial routes, the backstop), before any
        // event of an added group.
        await uploader.announceGroups()
        for key in diff.added + diff.changed + held {
            let role = ChildSpec.Role.worker(group: key)
            if let admitted = admit(role, keeping: children[role]?.machine.tracker) { await spawn(admitted) }
        }
        func list(_ keys: [String]) -> String { keys.isEmpty ? "" : " (" + keys.joined(separator: ", ") + ")" }
        logger.info(
            "reloaded: \(diff.added.count) added\(list(diff.added)), \(diff.removed.count) removed\(list(diff.removed)), \(diff.changed.count) changed\(list(diff.changed)), \(held.count) retried\(list(held)); the other groups keep running"
        )
    }

    /// Stops one child on purpose (TERM, grace, KILL) without restarting it.
    private func retire(_ role: ChildSpec.Role) async {
        guard children[role]?.pid != nil else { return }
        apply(role, .retire)
        await stop([role])
    }

    /// STOPPING=1, then the workers (TERM, grace, KILL), then the uploader.
    func stopAll() async {
        stopping = true
        systemd.notify([.stopping])
        logger.info("stopping: the workers first, then the uploader")
        await uploader.close()
        let deadline = clock.now + global.stopTimeout
        let workers = children.keys.filter { if case .worker = $0 { true } else { false } }
        for role in children.keys { apply(role, .retire) }
        await stop(workers)
        // Every frame the workers sent is forwarded, then acked, before the uploader stops: nothing in flight is
        // lost by a graceful stop.
        for role in workers { await finishLink(of: role) }
        while await uploader.unacknowledged > 0, await uploader.isConnected, clock.now < deadline {
            try? await clock.sleep(for: .milliseconds(20))
        }
        let left = await uploader.unacknowledged
        if left > 0 {
            logger.warning(
                "stopping with \(left) events not acknowledged by the uploader within stop.timeout; their workers send them again at the next start only if the PBX still has the calls"
            )
        }
        await stop([.uploader])
    }

    /// The ``StopSequence``: its signal to each, its grace, then SIGKILL to what is left.
    private func stop(_ roles: [ChildSpec.Role]) async {
        let running = roles.compactMap { role in children[role]?.pid.map { (role, $0) } }
        guard !running.isEmpty else { return }
        for (role, pid) in running { spawner.signal(pid, children[role]?.spec.stop.signal ?? SIGTERM) }
        let grace = running.compactMap { children[$0.0]?.spec.stop.grace }.max() ?? .seconds(10)
        let deadline = clock.now + grace
        while clock.now < deadline, running.contains(where: { children[$0.0]?.pid != nil }) {
            try? await clock.sleep(for: .milliseconds(20))
        }
        for (role, pid) in running where children[role]?.pid != nil {
            logger.warning("\(role) did not stop within \(grace); SIGKILL")
            spawner.signal(pid, SIGKILL)
        }
        let killDeadline = clock.now + .seconds(5)
        while clock.now < killDeadline, running.contains(where: { children[$0.0]?.pid != nil }) {
            try? await clock.sleep(for: .milliseconds(20))
        }
    }
}
