/// The requests ztisup sends to AES, each built as the reference gives it (§3, §4, §7) in the clean namespaces.
/// Numbers and names a user controls are checked before any XML is built, and every value is escaped as well.
public enum DMCCRequest: Sendable, Equatable {
    case startApplicationSession(StartSession)
    case resetApplicationSessionTimer(sessionID: String, duration: Int)
    case stopApplicationSession(sessionID: String)
    case getThirdPartyDeviceID(switchName: String, extension: String)
    case monitorStart(device: String)
    case monitorStop(crossRefID: String)
    case releaseDeviceID(device: String)
    case snapshotDevice(device: String)
    /// Third-party MakeCall from `callingDevice` to `number` on `switchName`, dialled exactly as given.
    case makeCall(callingDevice: String, number: String, switchName: String)

    /// What `StartApplicationSession` carries.
    public struct StartSession: Sendable, Equatable {
        public var applicationID: String
        public var userName: String
        public var password: String
        public var cleanupDelay: Int
        /// The session to recover after a TCP loss; nil for a new session.
        public var recoverSessionID: String?
        public var protocolVersions: [String]
        public var duration: Int

        public init(
            applicationID: String, userName: String, password: String, cleanupDelay: Int,
            recoverSessionID: String? = nil, protocolVersions: [String] = DMCCRequest.protocolVersions,
            duration: Int
        ) {
            self.applicationID = applicationID
            self.userName = userName
            self.password = password
            self.cleanupDelay = cleanupDelay
            self.recoverSessionID = recoverSessionID
            self.protocolVersions = protocolVersions
            self.duration = duration
        }
    }

    public static let sessionNamespace = "http://www.ecma-international.org/standards/ecma-354/appl_session"
    public static let cstaNamespace = "http://www.ecma-international.org/standards/ecma-323/csta/ed3"
    public static let avayaNamespace = "http://www.avaya.com/csta"
    static let schemaInstanceNamespace = "http://www.w3.org/2001/XMLSchema-instance"

    /// The protocol versions requested, newest first (AES 8.1.3 down to 6.2, where monitoring and MakeCall are
    /// long established); AES picks one and says which.
    public static let protocolVersions = ["privE", "privC", "privA", "priv9", "priv8", "priv7", "priv6"].map {
        "http://www.ecma-international.org/standards/ecma-323/csta/ed3/" + $0
    }

    /// The call-control events asked for (with `invertFilter`, the list says what to send).
    public static let monitoredEvents = [
        "callCleared", "conferenced", "connectionCleared", "delivered", "diverted", "established", "failed", "held",
        "networkReached", "originated", "queued", "retrieved", "serviceInitiated", "transferred",
    ]

    /// The frame carrying this request.
    ///
    /// - Throws: ``ZTIAvayaError`` (`requestRefused`) for a number or name that no dial string can hold, or a
    ///   framing error.
    public func encoded(invokeID: Int) throws(ZTIAvayaError) -> [UInt8] {
        try DMCCFrame(invokeID: invokeID, xml: try element().document).encoded()
    }

    /// The request's name, for logs.
    public var name: String {
        switch self {
        case .startApplicationSession: "StartApplicationSession"
        case .resetApplicationSessionTimer: "ResetApplicationSessionTimer"
        case .stopApplicationSession: "StopApplicationSession"
        case .getThirdPartyDeviceID: "GetThirdPartyDeviceId"
        case .monitorStart: "MonitorStart"
        case .monitorStop: "MonitorStop"
        case .releaseDeviceID: "ReleaseDeviceId"
        case .snapshotDevice: "SnapshotDevice"
        case .makeCall: "MakeCall"
        }
    }

    /// The request as an element tree.
    public func element() throws(ZTIAvayaError) -> DMCCElement {
        typealias E = DMCCElement
        func namespace(_ uri: String) -> [E.Attribute] { [E.Attribute("xmlns", uri)] }
        func device(_ name: String, _ id: String) -> E {
            E(name, attributes: [.init("typeOfNumber", "other"), .init("mediaClass", "notKnown")], text: id)
        }
        switch self {
        case .startApplicationSession(let start):
            let login = E(
                "ns1:SessionLoginInfo", attributes: [.init("xsi:type", "ns1:SessionLoginInfo")],
                children: [
                    E("ns1:userName", text: start.userName), E("ns1:password", text: start.password),
                    E("ns1:sessionCleanupDelay", text: String(start.cleanupDelay)),
                    E("ns1:sessionID", text: start.recoverSessionID ?? ""),
                ])
            return E(
                name,
                attributes: namespace(Self.sessionNamespace) + [
                    .init("xmlns:xsi", Self.schemaInstanceNamespace), .init("xmlns:ns1", Self.avayaNamespace),
                ],
                children: [
                    E(
                        "applicationInfo",
                        children: [
                            E("applicationID", text: start.applicationID),
                            E("applicationSpecificInfo", children: [login]),
                        ]),
                    E(
                        "requestedProtocolVersions",
                        children: start.protocolVersions.map { E("protocolVersion", text: $0) }),
                    E("requestedSessionDuration", text: String(start.duration)),
                ])
        case .resetApplicationSessionTimer(let sessionID, let duration):
            return E(
                name, attributes: namespace(Self.sessionNamespace),
                children: [E("sessionID", text: sessionID), E("requestedSessionDuration", text: String(duration))])
        case .stopApplicationSession(let sessionID):
            return E(
                name, attributes: namespace(Self.sessionNamespace),
                children: [
                    E("sessionID", text: sessionID),
                    E("sessionEndReason", children: [E("definedEndReason", text: "normal")]),
                ])
        case .getThirdPartyDeviceID(let switchName, let number):
            try Self.checkSwitchName(switchName)
            try Self.checkNumber(number, what: "extension")
            return E(
                name, attributes: namespace(Self.avayaNamespace),
                children: [E("switchName", text: switchName), E("extension", text: number)])
        case .monitorStart(let id):
            try Self.checkDevice(id)
            let events = Self.monitoredEvents.map { E($0, text: "true") }
            let avaya = E(
                "ns1:AvayaEvents", attributes: [.init("xmlns:ns1", Self.avayaNamespace)],
                children: [E("ns1:invertFilter", text: "true")])
            return E(
                name, attributes: namespace(Self.cstaNamespace),
                children: [
                    E("monitorObject", children: [device("deviceObject", id)]),
                    E("requestedMonitorFilter", children: [E("callcontrol", children: events)]),
                    E("extensions", children: [E("privateData", children: [E("private", children: [avaya])])]),
                ])
        case .monitorStop(let crossRefID):
            return E(
                name, attributes: namespace(Self.cstaNamespace),
                children: [E("monitorCrossRefID", text: crossRefID)])
        case .releaseDeviceID(let id):
            try Self.checkDevice(id)
            return E(name, attributes: namespace(Self.avayaNamespace), children: [E("device", text: id)])
        case .snapshotDevice(let id):
            try Self.checkDevice(id)
            return E(name, attributes: namespace(Self.cstaNamespace), children: [device("snapshotObject", id)])
        case .makeCall(let calling, let number, let switchName):
            try Self.checkDevice(calling)
            try Self.checkNumber(number, what: "number to dial")
            try Self.checkSwitchName(switchName)
            return E(
                name, attributes: namespace(Self.cstaNamespace),
                children: [
                    device("callingDevice", calling), device("calledDirectoryNumber", "\(number):\(switchName)::0"),
                ])
        }
    }

    /// A dial string: 1 to 64 of `0-9 * #`, as CM dials them (no `+`: AES does no E.164 conversion).
    static func checkNumber(_ number: String, what: String) throws(ZTIAvayaError) {
        guard (1...64).contains(number.count),
            number.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || $0 == "*" || $0 == "#" })
        else {
            throw ZTIAvayaError(
                .requestRefused,
                "the \(what) \"\(String(number.prefix(40)).debugDescription.dropFirst().dropLast())\" is not a dial "
                    + "string for CM (1 to 64 of 0-9, * and #); nothing was sent to AES")
        }
    }

    /// An AES switch connection name: letters, digits, `-`, `_` and `.`.
    static func checkSwitchName(_ name: String) throws(ZTIAvayaError) {
        guard (1...64).contains(name.count),
            name.unicodeScalars.allSatisfy({
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))
                    || "-_.".unicodeScalars.contains($0)
            })
        else {
            throw ZTIAvayaError(
                .requestRefused,
                "the AES switch connection name \"\(String(name.prefix(40)))\" holds characters a device ID cannot "
                    + "(letters, digits, - _ . only)")
        }
    }

    /// A device ID (`number:switch:ip:instance`, or one AES returned): printable ASCII, no markup.
    static func checkDevice(_ id: String) throws(ZTIAvayaError) {
        guard (1...128).contains(id.count),
            id.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) && !"<>&\"'".unicodeScalars.contains($0) })
        else {
            throw ZTIAvayaError(.requestRefused, "\"\(String(id.prefix(40)))\" is not a DMCC device ID")
        }
    }
}
