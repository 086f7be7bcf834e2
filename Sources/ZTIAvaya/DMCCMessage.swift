/// A message from AES, decoded from its document by local element names.
public enum DMCCMessage: Sendable, Equatable {
    case sessionStarted(sessionID: String, protocolVersion: String, duration: Int)
    /// `StartApplicationSessionNegResponse`: the `definedError` value or the `applError` text.
    case sessionRefused(reason: String)
    case sessionTimerReset(duration: Int)
    case sessionTimerRefused(reason: String)
    case sessionStopped
    case sessionStopRefused(reason: String)
    /// `ApplicationSessionTerminated`: AES ended the session (its timer expired, or a resource limit).
    case sessionTerminated(reason: String)
    /// `GetThirdPartyDeviceIdResponse` (or `GetDeviceIdResponse`).
    case deviceID(String)
    case monitorStarted(crossRefID: String)
    case monitorStopped
    /// A `MonitorStop` the switch sent: the monitor is gone.
    case monitorEnded(crossRefID: String)
    case deviceReleased
    /// `MakeCallResponse`: the new call's ID at the calling device, and its UCID when AES gave one.
    case callMade(callID: String, device: String?, ucid: String?)
    /// `SnapshotDeviceResponse`: the calls at the device, with its connection state in each.
    case snapshot([SnapshotCall])
    /// `CSTAErrorCode`, as `category/value` (e.g. `operation/invalidDeviceID`).
    case error(category: String, value: String)
    case event(CSTAEvent)
    /// Anything else (logged, never fatal).
    case other(name: String)

    /// A call in a device snapshot.
    public struct SnapshotCall: Sendable, Equatable {
        public var callID: String
        public var device: String?
        public var localCallState: String?

        public init(callID: String, device: String?, localCallState: String?) {
            self.callID = callID
            self.device = device
            self.localCallState = localCallState
        }
    }

    /// Decodes a frame's document.
    ///
    /// - Throws: ``ZTIAvayaError`` (`xmlMalformed`) for a document that is not XML, or a known message without a
    ///   field it must have.
    public static func decode(_ frame: DMCCFrame) throws(ZTIAvayaError) -> DMCCMessage {
        try decode(DMCCXMLParser.parse(frame.xml))
    }

    /// The innermost value of a choice, e.g. `maxNumberSessions` in
    /// `<errorCode><definedError>maxNumberSessions</definedError></errorCode>`; an empty leaf gives its name.
    static func innermostValue(_ element: DMCCElement) -> String {
        var leaf = element
        while let inner = leaf.children.first { leaf = inner }
        return leaf.trimmedText.isEmpty ? leaf.name : leaf.trimmedText
    }

    /// Decodes a parsed document.
    public static func decode(_ root: DMCCElement) throws(ZTIAvayaError) -> DMCCMessage {
        func required(_ path: String...) throws(ZTIAvayaError) -> String {
            var current: DMCCElement? = root
            for name in path { current = current?.child(name) }
            guard let text = current?.trimmedText, !text.isEmpty else {
                throw ZTIAvayaError(.xmlMalformed, "a \(root.name) without \(path.joined(separator: "/"))")
            }
            return text
        }
        func seconds(_ path: String...) throws(ZTIAvayaError) -> Int {
            var current: DMCCElement? = root
            for name in path { current = current?.child(name) }
            guard let text = current?.trimmedText, let value = Int(text), value > 0 else {
                throw ZTIAvayaError(
                    .xmlMalformed, "a \(root.name) without a positive \(path.joined(separator: "/")) in seconds")
            }
            return value
        }
        func reason(_ element: DMCCElement?) -> String {
            element.map(innermostValue) ?? "no reason given"
        }
        switch root.name {
        case "StartApplicationSessionPosResponse":
            return .sessionStarted(
                sessionID: try required("sessionID"), protocolVersion: try required("actualProtocolVersion"),
                duration: try seconds("actualSessionDuration"))
        case "StartApplicationSessionNegResponse":
            return .sessionRefused(reason: reason(root.child("errorCode")))
        case "ResetApplicationSessionTimerPosResponse":
            return .sessionTimerReset(duration: try seconds("actualSessionDuration"))
        case "ResetApplicationSessionTimerNegResponse":
            return .sessionTimerRefused(reason: reason(root.child("errorCode")))
        case "StopApplicationSessionPosResponse":
            return .sessionStopped
        case "StopApplicationSessionNegResponse":
            return .sessionStopRefused(reason: reason(root.child("errorCode")))
        case "ApplicationSessionTerminated":
            return .sessionTerminated(reason: reason(root.child("sessionTermReason")))
        case "GetThirdPartyDeviceIdResponse", "GetDeviceIdResponse":
            return .deviceID(try required("device"))
        case "MonitorStartResponse":
            return .monitorStarted(crossRefID: try required("monitorCrossRefID"))
        case "MonitorStopResponse":
            return .monitorStopped
        case "MonitorStop":
            return .monitorEnded(crossRefID: try required("monitorCrossRefID"))
        case "ReleaseDeviceIdResponse":
            return .deviceReleased
        case "MakeCallResponse":
            let ucid = root.first("globallyUniqueCallLinkageID")?.trimmedText
            return .callMade(
                callID: try required("callingDevice", "callID"),
                device: root.child(at: "callingDevice", "deviceID")?.trimmedText,
                ucid: ucid?.isEmpty == false ? ucid : nil)
        case "SnapshotDeviceResponse":
            let data = root.child(at: "crossRefIDorSnapshotData", "snapshotData") ?? root.first("snapshotData")
            let calls = (data?.children ?? []).compactMap { info -> SnapshotCall? in
                guard let callID = info.child(at: "connectionIdentifier", "callID")?.trimmedText, !callID.isEmpty
                else { return nil }
                return SnapshotCall(
                    callID: callID, device: info.child(at: "connectionIdentifier", "deviceID")?.trimmedText,
                    localCallState: info.child("localCallState").map(innermostValue))
            }
            return .snapshot(calls)
        case "CSTAErrorCode":
            guard let category = root.children.first else { return .error(category: "unspecified", value: "") }
            return .error(category: category.name, value: category.trimmedText)
        default:
            if let event = try CSTAEvent(root) { return .event(event) }
            return .other(name: root.name)
        }
    }
}
