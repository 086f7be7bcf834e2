import ZTIAsterisk

/// Writes simulated calls as the events of one family: 12+ snapshots with Linkedid and DialBegin/DialEnd,
/// 1.6–11 `Dial` begin/end and `Bridge`, 1.4 `Dial`, `Link` and text states.
struct SimulatedCallRenderer: Sendable {
    /// A channel of a simulated call.
    struct Leg: Sendable {
        var name: String
        var uniqueid: String
        var linkedid: String
        var number: String
        var context = "from-internal"
        var exten = "s"
        var state = 0
    }

    let family: AMIFamily
    static let stateNames = [0: "Down", 4: "Ring", 5: "Ringing", 6: "Up"]

    private func snapshot(_ leg: Leg, prefix: String = "") -> [(String, String)] {
        [
            ("Channel", leg.name), ("ChannelState", String(leg.state)),
            ("ChannelStateDesc", Self.stateNames[leg.state] ?? "Unknown"), ("CallerIDNum", leg.number),
            ("CallerIDName", ""), ("ConnectedLineNum", "<unknown>"), ("ConnectedLineName", "<unknown>"),
            ("Language", "en"), ("AccountCode", ""), ("Context", leg.context), ("Exten", leg.exten),
            ("Priority", "1"), ("Uniqueid", leg.uniqueid), ("Linkedid", leg.linkedid),
        ].map { (prefix + $0.0, $0.1) }
    }

    private func event(_ name: String, _ fields: [(String, String)]) -> [(String, String)] {
        [("Event", name), ("Privilege", "call,all")] + fields
    }

    func newChannel(_ leg: Leg) -> [[(String, String)]] {
        switch family {
        case .v12: [event("Newchannel", snapshot(leg))]
        case .v11:
            [
                event(
                    "Newchannel",
                    [
                        ("Channel", leg.name), ("ChannelState", String(leg.state)),
                        ("ChannelStateDesc", Self.stateNames[leg.state] ?? "Unknown"), ("CallerIDNum", leg.number),
                        ("CallerIDName", ""), ("AccountCode", ""), ("Exten", leg.exten == "s" ? "" : leg.exten),
                        ("Context", leg.context), ("Uniqueid", leg.uniqueid),
                    ])
            ]
        case .v14:
            [
                event(
                    "Newchannel",
                    [
                        ("Channel", leg.name), ("State", Self.stateNames[leg.state] ?? "Unknown"),
                        ("CallerIDNum", leg.number), ("CallerIDName", "<unknown>"), ("Uniqueid", leg.uniqueid),
                    ])
            ]
        }
    }

    func newState(_ leg: Leg) -> [[(String, String)]] {
        switch family {
        case .v12: [event("Newstate", snapshot(leg))]
        case .v11:
            [
                event(
                    "Newstate",
                    [
                        ("Channel", leg.name), ("ChannelState", String(leg.state)),
                        ("ChannelStateDesc", Self.stateNames[leg.state] ?? "Unknown"), ("CallerIDNum", leg.number),
                        ("CallerIDName", ""), ("ConnectedLineNum", ""), ("ConnectedLineName", ""),
                        ("Uniqueid", leg.uniqueid),
                    ])
            ]
        case .v14:
            [
                event(
                    "Newstate",
                    [
                        ("Channel", leg.name), ("State", Self.stateNames[leg.state] ?? "Unknown"),
                        ("CallerID", leg.number), ("CallerIDName", "<unknown>"), ("Uniqueid", leg.uniqueid),
                    ])
            ]
        }
    }

    /// The dialplan step that shows, on 1.4, which number a channel dials.
    func dialplanStep(_ leg: Leg) -> [[(String, String)]] {
        guard family == .v14 else { return [] }
        return [
            event(
                "Newexten",
                [
                    ("Channel", leg.name), ("Context", leg.context), ("Extension", leg.exten), ("Priority", "1"),
                    ("Application", "Dial"), ("AppData", ""), ("Uniqueid", leg.uniqueid),
                ])
        ]
    }

    func dialBegin(caller: Leg?, destination: Leg, dialString: String) -> [[(String, String)]] {
        switch family {
        case .v12:
            return [
                event(
                    "DialBegin",
                    (caller.map { snapshot($0) } ?? []) + snapshot(destination, prefix: "Dest") + [
                        ("DialString", dialString)
                    ])
            ]
        case .v11:
            guard let caller else { return [] }
            return [
                event(
                    "Dial",
                    [
                        ("SubEvent", "Begin"), ("Channel", caller.name), ("Destination", destination.name),
                        ("CallerIDNum", caller.number), ("CallerIDName", ""), ("ConnectedLineNum", ""),
                        ("ConnectedLineName", ""), ("UniqueID", caller.uniqueid),
                        ("DestUniqueID", destination.uniqueid),
                        ("Dialstring", dialString),
                    ])
            ]
        case .v14:
            guard let caller else { return [] }
            return [
                event(
                    "Dial",
                    [
                        ("Source", caller.name), ("Destination", destination.name), ("CallerID", caller.number),
                        ("CallerIDName", "<unknown>"), ("SrcUniqueID", caller.uniqueid),
                        ("DestUniqueID", destination.uniqueid),
                    ])
            ]
        }
    }

    func dialEnd(caller: Leg?, destination: Leg, status: String) -> [[(String, String)]] {
        switch family {
        case .v12:
            return [
                event(
                    "DialEnd",
                    (caller.map { snapshot($0) } ?? []) + snapshot(destination, prefix: "Dest") + [
                        ("DialStatus", status)
                    ])
            ]
        case .v11:
            guard let caller else { return [] }
            return [
                event(
                    "Dial",
                    [
                        ("SubEvent", "End"), ("Channel", caller.name), ("UniqueID", caller.uniqueid),
                        ("DialStatus", status),
                    ])
            ]
        case .v14:
            return []
        }
    }

    /// A 12+ bridge id: Asterisk names every bridge by a fresh UUID. Here a UUID-shaped hash of the Uniqueid of
    /// the call's first channel, which no other call shares, so a bridge is named alike whenever it is rendered.
    static func bridgeId(for uniqueid: String) -> String {
        func fnv(_ seed: UInt64) -> UInt64 {
            uniqueid.utf8.reduce(seed) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        }
        func hex(_ value: UInt64, _ width: Int) -> String {
            let digits = String(value & ((1 << (4 * UInt64(width))) - 1), radix: 16)
            return String(repeating: "0", count: width - digits.count) + digits
        }
        let (high, low) = (fnv(0xcbf2_9ce4_8422_2325), fnv(0x8422_2325_cbf2_9ce4))
        return "\(hex(high >> 32, 8))-\(hex(high >> 16, 4))-4\(hex(high, 3))-8\(hex(low >> 48, 3))-\(hex(low, 12))"
    }

    private func bridgeBlock(_ bridge: String, channels: Int) -> [(String, String)] {
        [
            ("BridgeUniqueid", bridge), ("BridgeType", "basic"), ("BridgeTechnology", "simple_bridge"),
            ("BridgeCreator", "<unknown>"), ("BridgeName", "<unknown>"), ("BridgeNumChannels", String(channels)),
            ("BridgeVideoSourceMode", "none"),
        ]
    }

    /// Two legs start talking: 12+ create a bridge and both enter it; 1.6–11 say `Bridge` (Link); 1.4 `Link`.
    func bridge(_ first: Leg, _ second: Leg, bridge: String) -> [[(String, String)]] {
        switch family {
        case .v12:
            return [
                event("BridgeCreate", bridgeBlock(bridge, channels: 0)),
                event("BridgeEnter", bridgeBlock(bridge, channels: 1) + snapshot(first)),
                event("BridgeEnter", bridgeBlock(bridge, channels: 2) + snapshot(second)),
            ]
        case .v11:
            return [event("Bridge", linkFields(first, second, state: "Link"))]
        case .v14:
            return [event("Link", linkFields(first, second, state: nil))]
        }
    }

    /// The talk ends, before the legs hang up (as every release reports it): 12+ both legs leave and the bridge is
    /// destroyed; 1.6–11 `Bridge` with `Bridgestate: Unlink`; 1.4 `Unlink`.
    func unbridge(_ first: Leg, _ second: Leg, bridge: String) -> [[(String, String)]] {
        switch family {
        case .v12:
            return [
                event("BridgeLeave", bridgeBlock(bridge, channels: 1) + snapshot(first)),
                event("BridgeLeave", bridgeBlock(bridge, channels: 0) + snapshot(second)),
                event("BridgeDestroy", bridgeBlock(bridge, channels: 0)),
            ]
        case .v11:
            return [event("Bridge", linkFields(first, second, state: "Unlink"))]
        case .v14:
            return [event("Unlink", linkFields(first, second, state: nil))]
        }
    }

    private func linkFields(_ first: Leg, _ second: Leg, state: String?) -> [(String, String)] {
        (state.map { [("Bridgestate", $0), ("Bridgetype", "core")] } ?? []) + [
            ("Channel1", first.name), ("Channel2", second.name), ("Uniqueid1", first.uniqueid),
            ("Uniqueid2", second.uniqueid), ("CallerID1", first.number), ("CallerID2", second.number),
        ]
    }

    func hangup(_ leg: Leg, cause: Int) -> [[(String, String)]] {
        let text = [16: "Normal Clearing", 17: "User busy", 19: "No answer"][cause] ?? "Unknown"
        switch family {
        case .v12: return [event("Hangup", snapshot(leg) + [("Cause", String(cause)), ("Cause-txt", text)])]
        case .v11:
            return [
                event(
                    "Hangup",
                    [
                        ("Channel", leg.name), ("Uniqueid", leg.uniqueid), ("CallerIDNum", leg.number),
                        ("CallerIDName", ""), ("ConnectedLineNum", ""), ("ConnectedLineName", ""),
                        ("AccountCode", ""), ("Cause", String(cause)), ("Cause-txt", text),
                    ])
            ]
        case .v14:
            return [
                event(
                    "Hangup",
                    [("Channel", leg.name), ("Uniqueid", leg.uniqueid), ("Cause", String(cause)), ("Cause-txt", text)])
            ]
        }
    }

    func originateResponse(actionID: String, success: Bool, reason: Int, leg: Leg, template: String, exten: String)
        -> [(String, String)]
    {
        var fields: [(String, String)] = [
            ("Event", "OriginateResponse"), ("Privilege", "call,all"), ("ActionID", actionID),
            ("Response", success ? "Success" : "Failure"), ("Channel", success ? leg.name : template),
            ("Context", "from-internal"), ("Exten", exten), ("Reason", String(reason)),
            ("Uniqueid", success ? leg.uniqueid : "<null>"),
        ]
        if family == .v14 { fields.append(("CallerID", leg.number)) }
        fields += [("CallerIDNum", leg.number), ("CallerIDName", "")]
        return fields
    }
}
