// The supervisor's answer to `ztisup status`: its StatusReport.
import Glibc
import ZTICore

extension Supervisor {
    /// What `ztisup status` shows: every group, the uploader and the event buffer.
    func report() async -> StatusReport {
        let now = clock.now
        func seconds(_ instant: ContinuousClock.Instant?) -> Int? {
            instant.map { Int((now - $0).components.seconds) }
        }
        let groups = configuration.groups.map { group in
            let child = children[.worker(group: group.key)]
            var entry = StatusReport.Group(group: group.key, state: child?.state ?? .starting)
            entry.pbx = StatusReport.PBX(type: group.pbx.type.rawValue, host: group.pbx.host, port: group.pbx.port)
            entry.restarts = child?.machine.tracker.total ?? 0
            entry.pid = child?.pid
            entry.uptimeSeconds = child?.pid == nil ? nil : seconds(child?.machine.startedAt)
            entry.lastExit = child?.machine.lastExit
            entry.lastEventAgeSeconds = seconds(child?.lastEventAt)
            entry.lastError = child?.machine.reason ?? child?.machine.heartbeat?.lastError
            if let heartbeat = child?.machine.heartbeat, child?.pid != nil { entry.include(heartbeat) }
            return entry
        }
        var uploader = StatusReport.Uploader(state: await self.uploader.isConnected ? .connected : .away)
        uploader.socket = uploaderSocket
        uploader.spawned = options.spawnUploader
        if let child = children[.uploader] {
            uploader.pid = child.pid
            uploader.restarts = child.machine.tracker.total
            uploader.lastExit = child.machine.lastExit
        }
        uploader.lastError = await self.uploader.lastError
        if let version = await self.uploader.version {
            uploader.protocolVersion = version
            if version != WireProtocol.version {
                uploader.protocolMismatch =
                    "the uploader speaks protocol \(version), this supervisor \(WireProtocol.version): upgrade both to the same release"
            }
        }
        if let reported = await self.uploader.status { uploader.include(reported) }
        return StatusReport(
            supervisor: StatusReport.Supervisor(
                pid: getpid(), summary: summary(), uptimeSeconds: seconds(startedAt) ?? 0, socket: controlSocket,
                group: options.onlyGroup),
            groups: groups, uploader: uploader,
            buffer: StatusReport.Buffer(
                queued: await self.uploader.bufferedCount, dropped: await self.uploader.bufferedDropped,
                capacity: global.bufferMaxEvents))
    }
}

extension Supervisor {
    /// Sets `metrics` from the status and each running worker's heartbeat age, before a scrape of `/metrics`.
    public func refresh(_ metrics: SupervisorMetrics) async {
        let now = clock.now
        var ages: [String: Double] = [:]
        for (role, child) in children {
            guard case .worker(let group) = role, child.pid != nil, let at = child.machine.heartbeatAt else { continue }
            let age = now - at
            ages[group] = Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18
        }
        metrics.refresh(await report(), heartbeatAges: ages)
    }
}
