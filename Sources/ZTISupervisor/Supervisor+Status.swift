import Glibc
import ZTICore

extension Supervisor {
    /// What `ztisup status` shows: every group, the uploader and the event buffer.
    func report() -> JSONValue {
        let now = ContinuousClock.now
        func seconds(_ instant: ContinuousClock.Instant?) -> JSONValue? {
            instant.map { .number(Double((now - $0).components.seconds)) }
        }
        var groups: [JSONValue] = []
        for group in configuration.groups {
            let child = children[.worker(group: group.key)]
            var entry: [String: JSONValue] = [
                "group": .string(group.key),
                "pbx": .object([
                    "type": .string(group.pbx.type.rawValue), "host": .string(group.pbx.host),
                    "port": .number(Double(group.pbx.port)),
                ]),
                "state": .string(child?.state.rawValue ?? GroupState.starting.rawValue),
                "restarts": .number(Double(child?.tracker.total ?? 0)),
            ]
            entry["pid"] = child?.pid.map { .number(Double($0)) }
            entry["uptimeSeconds"] = child?.pid == nil ? nil : seconds(child?.startedAt)
            entry["lastExit"] = child?.lastExit.map(JSONValue.string)
            entry["lastEventAgeSeconds"] = seconds(child?.lastEventAt)
            let lastError = child?.reason ?? child?.heartbeat?.lastError
            entry["lastError"] = lastError.map(JSONValue.string)
            if let heartbeat = child?.heartbeat, child?.pid != nil {
                entry["link"] = .string(heartbeat.link)
                entry["family"] = heartbeat.family.map(JSONValue.string)
                entry["familySource"] = heartbeat.familySource.map(JSONValue.string)
                entry["version"] = heartbeat.pbxVersion.map(JSONValue.string)
                entry["activeCalls"] = .number(Double(heartbeat.activeCalls))
                entry["eventsIn"] = .number(Double(heartbeat.eventsIn))
                entry["eventsOut"] = .number(Double(heartbeat.eventsOut))
                entry["unacked"] = .number(Double(heartbeat.unacked))
                entry["dropped"] = .number(Double(heartbeat.dropped))
                entry["session"] = heartbeat.session.map(JSONValue.string)
                entry["monitored"] = heartbeat.monitored.map { .array($0.map(JSONValue.string)) }
                entry["failedExtensions"] = heartbeat.failedExtensions.map { .object($0.mapValues(JSONValue.string)) }
            }
            groups.append(.object(entry.compactMapValues { $0 }))
        }
        var uploaderEntry: [String: JSONValue] = [
            "state": .string(uploaderConnected ? "connected" : "away"),
            "socket": .string(uploaderSocket),
            "spawned": .bool(options.spawnUploader),
        ]
        if let child = children[.uploader] {
            uploaderEntry["pid"] = child.pid.map { .number(Double($0)) }
            uploaderEntry["restarts"] = .number(Double(child.tracker.total))
            uploaderEntry["lastExit"] = child.lastExit.map(JSONValue.string)
        }
        uploaderEntry["lastError"] = uploaderLastError.map(JSONValue.string)
        if let version = uploaderProtocol {
            uploaderEntry["protocolVersion"] = .number(Double(version))
            if version != WireProtocol.version {
                uploaderEntry["protocolMismatch"] = .string(
                    "the uploader speaks protocol \(version), this supervisor \(WireProtocol.version): upgrade both to the same release"
                )
            }
        }
        if case .object(let reported)? = uploaderReport {
            for (key, value) in reported where key != "role" { uploaderEntry[key] = value }
        }
        return .object([
            "supervisor": .object(
                [
                    "pid": .number(Double(getpid())), "summary": .string(summary()),
                    "uptimeSeconds": seconds(startedAt) ?? .number(0), "socket": .string(controlSocket),
                    "group": options.onlyGroup.map(JSONValue.string),
                ].compactMapValues { $0 }),
            "groups": .array(groups),
            "uploader": .object(uploaderEntry.compactMapValues { $0 }),
            "buffer": .object([
                "queued": .number(Double(bufferedCount)), "dropped": .number(Double(bufferedDropped)),
                "capacity": .number(Double(global.bufferMaxEvents)),
            ]),
        ])
    }
}
