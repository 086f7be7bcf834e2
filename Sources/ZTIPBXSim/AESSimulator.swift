import Foundation
import ZTIAvaya

/// The simulated AES behind `zti-pbxsim aes`: DMCC application sessions (timers, recovery within the cleanup
/// delay), device IDs, monitors with their filters, SDB and licence refusals, and CM-like calls whose events go to
/// every monitor watching a party (see the `+Calls` extension). Requests are dispatched on local element names, as
/// AES is lenient about namespaces.
public actor AESSimulator {
    typealias Output = SimulatorOutput

    struct Connection {
        let output: AsyncStream<Output>.Continuation
        var session: String?
    }

    struct Monitor {
        let station: String
        /// The events asked for (`invertFilter`), or nil for all.
        let filter: Set<String>?
    }

    struct Session {
        let id: String
        var connection: Int?
        var duration: Int
        var cleanupDelay: Int
        var expiresAt: ContinuousClock.Instant
        var orphanedUntil: ContinuousClock.Instant?
        var monitors: [String: Monitor] = [:]
    }

    public let options: AESSimulatorOptions
    var connections: [Int: Connection] = [:]
    var sessions: [String: Session] = [:]
    private var nextConnection = 0
    private var nextCrossRef = 0
    private var stall = StallFault()
    var calls: [Int: SimulatedAESCall] = [:]
    var ucidSequence = 0
    /// The names of the requests received, in order (for tests).
    public private(set) var requests: [String] = []
    /// Sessions started or recovered so far.
    public private(set) var sessionStarts = 0
    /// Where every frame, both ways, is appended as it goes over the wire (`ztisup replay --pbx avaya` reads it).
    private var capture: FileHandle?

    /// Appends every frame from now on, both directions, to `path` (created or truncated).
    public func capture(to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        capture = handle
    }

    public init(options: AESSimulatorOptions) {
        self.options = options
    }

    /// Monitors running over all sessions.
    public var monitorCount: Int { sessions.values.map(\.monitors.count).reduce(0, +) }

    /// Sessions whose connection is gone, waiting for a recovery.
    public var orphanedSessionIDs: [String] { sessions.values.filter { $0.connection == nil }.map(\.id).sorted() }

    /// Sessions alive (connected or waiting for recovery).
    public var sessionIDs: [String] { sessions.keys.sorted() }

    // MARK: - Connections

    func open() -> (Int, AsyncStream<Output>) {
        nextConnection += 1
        let (stream, continuation) = AsyncStream<Output>.makeStream()
        connections[nextConnection] = Connection(output: continuation)
        return (nextConnection, stream)
    }

    /// The connection closed: its session waits `sessionCleanupDelay` for a recovery.
    func close(_ id: Int) {
        guard let connection = connections.removeValue(forKey: id) else { return }
        connection.output.finish()
        if let sessionID = connection.session, var session = sessions[sessionID] {
            session.connection = nil
            session.orphanedUntil = .now + .seconds(session.cleanupDelay)
            sessions[sessionID] = session
        }
    }

    /// How long a writer must wait before writing (a `stall` fault).
    func stallDelay() -> Duration? {
        stall.remaining()
    }

    /// Ends sessions whose timer ran out (with `ApplicationSessionTerminated`, then closing the connection) and
    /// orphaned sessions past their cleanup delay. `AESSimulatorServer` calls it every 100 ms.
    public func expireSessions(now: ContinuousClock.Instant = .now) {
        for (id, session) in sessions {
            if let until = session.orphanedUntil, until <= now {
                sessions[id] = nil
            } else if session.orphanedUntil == nil, session.expiresAt <= now {
                if let connection = session.connection {
                    let terminated = DMCCElement(
                        "ApplicationSessionTerminated", attributes: [.init("xmlns", DMCCRequest.sessionNamespace)],
                        children: [
                            DMCCElement("sessionID", text: id),
                            DMCCElement(
                                "sessionTermReason",
                                children: [DMCCElement("definedTermReason", text: "sessionTimerExpired")]),
                        ])
                    send(connection, terminated, invokeID: DMCCFrame.eventInvokeID)
                    connections[connection]?.output.yield(.close)
                }
                sessions[id] = nil
            }
        }
    }

    // MARK: - Faults

    /// Closes every connection, as a network failure would (sessions wait for recovery).
    public func drop() {
        for connection in connections.values { connection.output.yield(.close) }
    }

    /// Stops writing for `duration`.
    public func stall(for duration: Duration) {
        stall.start(for: duration)
    }

    /// A header with a length under 8, which no AES sends.
    public func garbage() {
        for connection in connections.values {
            connection.output.yield(.bytes([0, 0, 0, 3] + Array("0000".utf8)))
        }
    }

    /// Makes every session's timer run out now.
    public func expireAllTimers() {
        for id in sessions.keys { sessions[id]?.expiresAt = .now }
        expireSessions()
    }

    // MARK: - Requests

    /// Answers one frame from a client.
    func handle(_ connection: Int, _ frame: DMCCFrame) {
        let root: DMCCElement
        do {
            root = try DMCCXMLParser.parse(frame.xml)
        } catch {
            send(connection, Self.error("operation", "generic"), invokeID: frame.invokeID)
            return
        }
        requests.append(root.name)
        // The capture never holds the CTI user's password.
        if capture != nil,
            let bytes = try? DMCCFrame(invokeID: frame.invokeID, xml: root.redactingPasswords().document).encoded()
        {
            capture?.write(Data(bytes))
        }
        let reply: DMCCElement
        if root.name == "StartApplicationSession" {
            reply = startSession(connection, root)
        } else if let sessionID = connections[connection]?.session, sessions[sessionID] != nil {
            reply = request(sessionID, root, invokeID: frame.invokeID)
        } else {
            reply = Self.error("operation", "requestIncompatibleWithObject")
        }
        send(connection, reply, invokeID: frame.invokeID)
    }

    private func startSession(_ connection: Int, _ root: DMCCElement) -> DMCCElement {
        func refuse(_ reason: String) -> DMCCElement {
            DMCCElement(
                "StartApplicationSessionNegResponse", attributes: [.init("xmlns", DMCCRequest.sessionNamespace)],
                children: [DMCCElement("errorCode", children: [DMCCElement("definedError", text: reason)])])
        }
        let login = root.first("SessionLoginInfo")
        guard login?.child("userName")?.trimmedText == options.username,
            login?.child("password")?.text == options.password
        else { return refuse(options.badCredentialsError) }
        let requested = root.child("requestedProtocolVersions")?.children.map(\.trimmedText) ?? []
        guard let version = requested.first(where: options.protocolVersions.contains) else {
            return refuse("requestedProtocolVersionNotSupported")
        }
        let duration = Int(root.child("requestedSessionDuration")?.trimmedText ?? "") ?? 180
        let clamped = min(max(duration, options.durations.lowerBound), options.durations.upperBound)
        let cleanup = Int(login?.child("sessionCleanupDelay")?.trimmedText ?? "") ?? 60
        let recover = login?.child("sessionID")?.trimmedText ?? ""
        var session: Session
        if !recover.isEmpty {
            guard var orphan = sessions[recover], orphan.connection == nil else {
                return refuse("invalidApplicationInfo")
            }
            orphan.orphanedUntil = nil
            session = orphan
        } else {
            guard sessions.count < options.maxSessions else { return refuse("maxNumberSessions") }
            let hex = (0..<32).map { _ in String(Int.random(in: 0..<16), radix: 16, uppercase: true) }.joined()
            session = Session(
                id: hex + "-0", connection: nil, duration: clamped, cleanupDelay: cleanup, expiresAt: .now)
        }
        session.connection = connection
        session.duration = clamped
        session.cleanupDelay = cleanup
        session.expiresAt = .now + .seconds(clamped)
        sessions[session.id] = session
        connections[connection]?.session = session.id
        sessionStarts += 1
        return DMCCElement(
            "StartApplicationSessionPosResponse", attributes: [.init("xmlns", DMCCRequest.sessionNamespace)],
            children: [
                DMCCElement("sessionID", text: session.id), DMCCElement("actualProtocolVersion", text: version),
                DMCCElement("actualSessionDuration", text: String(clamped)),
            ])
    }

    private func request(_ sessionID: String, _ root: DMCCElement, invokeID: Int) -> DMCCElement {
        func response(_ name: String, _ namespace: String, _ children: [DMCCElement] = []) -> DMCCElement {
            DMCCElement(name, attributes: [.init("xmlns", namespace)], children: children)
        }
        let csta = DMCCRequest.cstaNamespace
        switch root.name {
        case "ResetApplicationSessionTimer":
            guard root.child("sessionID")?.trimmedText == sessionID, var session = sessions[sessionID] else {
                return response(
                    "ResetApplicationSessionTimerNegResponse", DMCCRequest.sessionNamespace,
                    [DMCCElement("errorCode", children: [DMCCElement("definedError", text: "invalidSessionID")])])
            }
            let requested = Int(root.child("requestedSessionDuration")?.trimmedText ?? "") ?? session.duration
            session.duration = min(max(requested, options.durations.lowerBound), options.durations.upperBound)
            session.expiresAt = .now + .seconds(session.duration)
            sessions[sessionID] = session
            return response(
                "ResetApplicationSessionTimerPosResponse", DMCCRequest.sessionNamespace,
                [DMCCElement("actualSessionDuration", text: String(session.duration))])
        case "StopApplicationSession":
            sessions[sessionID] = nil
            for id in connections.keys where connections[id]?.session == sessionID { connections[id]?.session = nil }
            return response("StopApplicationSessionPosResponse", DMCCRequest.sessionNamespace)
        case "GetThirdPartyDeviceId", "GetDeviceId":
            let number = root.child("extension")?.trimmedText ?? ""
            guard root.child("switchName")?.trimmedText == options.switchName, !number.isEmpty else {
                return Self.error("operation", "invalidDeviceID")
            }
            let third = root.name == "GetThirdPartyDeviceId"
            return response(
                root.name + "Response", DMCCRequest.avayaNamespace,
                [DMCCElement("device", text: "\(number):\(options.switchName):\(third ? "" : options.switchIP):0")])
        case "MonitorStart":
            return monitorStart(sessionID, root)
        case "MonitorStop":
            let crossRef = root.child("monitorCrossRefID")?.trimmedText ?? ""
            guard sessions[sessionID]?.monitors.removeValue(forKey: crossRef) != nil else {
                return Self.error("operation", "invalidMonitorCrossRefID")
            }
            return response("MonitorStopResponse", csta)
        case "ReleaseDeviceId":
            return response("ReleaseDeviceIdResponse", DMCCRequest.avayaNamespace)
        case "SnapshotDevice":
            return snapshot(Self.number(root.child("snapshotObject")?.trimmedText))
        case "MakeCall":
            return makeCall(
                calling: Self.number(root.child("callingDevice")?.trimmedText),
                called: Self.number(root.child("calledDirectoryNumber")?.trimmedText))
        default:
            return Self.error("operation", "serviceNotSupported")
        }
    }

    private func monitorStart(_ sessionID: String, _ root: DMCCElement) -> DMCCElement {
        guard let station = Self.number(root.first("deviceObject")?.trimmedText) else {
            return Self.error("operation", "invalidMonitorObject")
        }
        guard options.extensions.contains(station) else { return Self.error("operation", options.unknownDeviceError) }
        if let permitted = options.permitted, !permitted.contains(station) {
            return Self.error("operation", "privilegeViolationSpecifiedDevice")
        }
        guard monitorCount < options.licences else {
            return Self.error("subscribedResourceAvailability", "objectMonitorLimitExceeded")
        }
        var filter: Set<String>?
        if root.first("invertFilter")?.trimmedText == "true", let flags = root.first("callcontrol") {
            filter = Set(flags.children.filter { $0.trimmedText == "true" }.map(\.name))
        }
        nextCrossRef += 1
        let crossRef = String(nextCrossRef)
        sessions[sessionID]?.monitors[crossRef] = Monitor(station: station, filter: filter)
        return DMCCElement(
            "MonitorStartResponse", attributes: [.init("xmlns", DMCCRequest.cstaNamespace)],
            children: [DMCCElement("monitorCrossRefID", text: crossRef)])
    }

    // MARK: - Writing

    func send(_ connection: Int, _ element: DMCCElement, invokeID: Int) {
        guard let bytes = try? DMCCFrame(invokeID: invokeID, xml: element.document).encoded() else { return }
        capture?.write(Data(bytes))
        connections[connection]?.output.yield(.bytes(bytes))
    }

    /// Sends an event about `station` to every monitor on it, in every connected session, each with its own
    /// cross-reference ID, when the monitor's filter lets `flag` through.
    func notify(_ station: String, flag: String, _ event: (String) -> DMCCElement) {
        for session in sessions.values.sorted(by: { $0.id < $1.id }) {
            guard let connection = session.connection else { continue }
            for (crossRef, monitor) in session.monitors.sorted(by: { $0.key < $1.key })
            where monitor.station == station && (monitor.filter?.contains(flag) ?? true) {
                send(connection, event(crossRef), invokeID: DMCCFrame.eventInvokeID)
            }
        }
    }

    static func error(_ category: String, _ value: String) -> DMCCElement {
        DMCCElement(
            "CSTAErrorCode", attributes: [.init("xmlns", DMCCRequest.cstaNamespace)],
            children: [DMCCElement(category, text: value)])
    }

    /// The number in a device ID (`3201:CM1::0` → `3201`).
    static func number(_ device: String?) -> String? {
        guard let device, let first = device.split(separator: ":", omittingEmptySubsequences: false).first,
            !first.isEmpty
        else { return nil }
        return String(first)
    }
}
