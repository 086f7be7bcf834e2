// The AES simulator's calls: how a scripted or loaded call moves through its parties' states and which CSTA
// events each monitor hears.
import Foundation
import ZTIAvaya

/// CM-like calls: call IDs are small integers, reused once free; UCIDs are 20 digits (node, sequence, UNIX time).
/// Every event goes to the monitors of every station in the call, with that station's own `localConnectionInfo`.
extension AESSimulator {
    private typealias E = DMCCElement

    // MARK: - Call control (the test and scenario API)

    /// A caller from outside (`from`) reaching `to` (a DID, VDN or hunt group): nothing is sent until it rings.
    public func inbound(from caller: String, to called: String) -> Int {
        var call = newCall(caller: caller, called: called)
        call.set(caller, "connected")
        calls[call.id] = call
        return call.id
    }

    /// The call alerts `station`.
    public func ring(_ id: Int, _ station: String, redirectedFrom: String? = nil) {
        guard var call = calls[id] else { return }
        call.set(station, "alerting")
        calls[id] = call
        broadcast(call, flag: "delivered") { crossRef, state in
            self.event(
                "DeliveredEvent", crossRef,
                [
                    Self.connection("connection", id, station), Self.party("alertingDevice", station, self.switchName),
                    Self.party("callingDevice", call.caller, self.switchName),
                    Self.party("calledDevice", call.called, self.switchName),
                    redirectedFrom.map { Self.party("lastRedirectionDevice", $0, self.switchName) }
                        ?? E("lastRedirectionDevice", children: [E("notRequired")]),
                    E("localConnectionInfo", text: state),
                    E("cause", text: redirectedFrom == nil ? "newCall" : "redirected"),
                    Self.linkage(call.ucid),
                ])
        }
    }

    /// `party` answers (a station, or the far end of an outbound call): stations still alerting are cleared.
    public func answer(_ id: Int, _ party: String) {
        guard var call = calls[id] else { return }
        call.set(party, "connected")
        let others = call.parties.filter { $0.number != party && $0.state == "alerting" }.map(\.number)
        calls[id] = call
        broadcast(call, flag: "established") { crossRef, state in
            self.event(
                "EstablishedEvent", crossRef,
                [
                    Self.connection("establishedConnection", id, party),
                    Self.party("answeringDevice", party, self.switchName),
                    Self.party("callingDevice", call.caller, self.switchName),
                    Self.party("calledDevice", call.called, self.switchName),
                    E("lastRedirectionDevice", children: [E("notRequired")]), E("localConnectionInfo", text: state),
                    E("cause", text: "newCall"), Self.linkage(call.ucid),
                ])
        }
        for other in others { dropLeg(id, other, cause: "normalClearing") }
    }

    /// The call leaves alerting `station` for `destination` (coverage, forwarding); a station destination rings.
    public func divert(_ id: Int, from station: String, to destination: String, cause: String = "redirected") {
        guard let call = calls[id], call.state(of: station) == "alerting" else { return }
        notifyCall(call, only: station, flag: "diverted") { crossRef, _ in
            self.event(
                "DivertedEvent", crossRef,
                [
                    Self.connection("connection", id, station), Self.party("divertingDevice", station, self.switchName),
                    Self.party("newDestination", destination, self.switchName),
                    Self.party("callingDevice", call.caller, self.switchName),
                    Self.party("calledDevice", call.called, self.switchName),
                    E("lastRedirectionDevice", children: [E("notRequired")]), E("cause", text: cause),
                ])
        }
        calls[id]?.remove(station)
        if options.extensions.contains(destination) { ring(id, destination, redirectedFrom: station) }
    }

    /// `picker` picks up the call alerting at `station`.
    public func pickup(_ id: Int, ringing station: String, by picker: String) {
        divert(id, from: station, to: picker, cause: "callPickup")
        guard calls[id] != nil else { return }
        calls[id]?.remove(picker)
        answer(id, picker)
    }

    /// `station` cannot be alerted (busy, do not disturb).
    public func busy(_ id: Int, _ station: String, cause: String = "busy") {
        guard var call = calls[id] else { return }
        call.set(station, "fail")
        calls[id] = call
        broadcast(call, flag: "failed") { crossRef, state in
            self.event(
                "FailedEvent", crossRef,
                [
                    Self.connection("failedConnection", id, station),
                    Self.party("failingDevice", station, self.switchName),
                    Self.party("callingDevice", call.caller, self.switchName),
                    Self.party("calledDevice", call.called, self.switchName), E("localConnectionInfo", text: state),
                    E("cause", text: cause), Self.linkage(call.ucid),
                ])
        }
        calls[id]?.remove(station)
    }

    /// `station` dials `number`: a station number rings; anything else leaves on a trunk (no answer signal
    /// unless `answer(id, number)` is called). Returns the call ID.
    public func outbound(from station: String, to number: String) -> Int {
        var call = newCall(caller: station, called: number)
        call.set(station, "initiated")
        calls[call.id] = call
        originate(call.id)
        return call.id
    }

    /// `party` hangs up; when one party is left, its leg is cleared too and the call is gone.
    public func hangup(_ id: Int, _ party: String, cause: String = "normalClearing") {
        dropLeg(id, party, cause: cause)
        guard let call = calls[id] else { return }
        if call.parties.count <= 1 {
            for remaining in call.parties.map(\.number) { dropLeg(id, remaining, cause: cause) }
            calls[id] = nil
        }
    }

    /// `station` transfers the customer's call `primary` (held) to the party of its consultation call: the
    /// resulting call keeps the consultation's call ID, and the transferrer leaves. A target still alerting (a blind
    /// transfer) goes on alerting on the resulting call.
    public func transfer(primary: Int, consultation: Int, by station: String) {
        guard let held = calls[primary], var consult = calls[consultation] else { return }
        let target = consult.parties.first { $0.number != station }?.number ?? ""
        var changes: [E] = []
        for party in held.parties where party.number != station {
            changes.append(Self.connectionChange(new: consultation, old: primary, party.number))
        }
        for party in consult.parties where party.number != station {
            changes.append(Self.connectionChange(new: consultation, old: consultation, party.number))
        }
        let everyone = held.parties.map(\.number) + consult.parties.map(\.number)
        for number in Set(everyone).sorted() where options.extensions.contains(number) {
            let state = number == station ? "null" : consult.state(of: number) == "alerting" ? "alerting" : "connected"
            notify(number, flag: "transferred") { crossRef in
                self.event(
                    "TransferedEvent", crossRef,
                    [
                        Self.connection("primaryOldCall", primary, station),
                        Self.connection("secondaryOldCall", consultation, station),
                        Self.party("transferringDevice", station, self.switchName),
                        Self.party("transferredToDevice", target, self.switchName),
                        E("transferredConnections", children: changes), E("localConnectionInfo", text: state),
                        E("cause", text: "transfer"), Self.linkage(held.ucid),
                    ])
            }
        }
        consult.remove(station)
        for party in held.parties where party.number != station { consult.set(party.number, "connected") }
        consult.caller = held.caller
        consult.called = held.called
        calls[consultation] = consult
        calls[primary] = nil
    }

    /// `station` joins its consultation call into `primary`: one call, every party on it.
    public func conference(primary: Int, consultation: Int, by station: String) {
        guard var held = calls[primary], let consult = calls[consultation] else { return }
        let added = consult.parties.first { $0.number != station }?.number ?? ""
        var changes: [E] = []
        for party in consult.parties where party.number != station {
            changes.append(Self.connectionChange(new: primary, old: consultation, party.number))
        }
        for party in consult.parties where party.number != station { held.set(party.number, "connected") }
        held.set(station, "connected")
        calls[primary] = held
        calls[consultation] = nil
        broadcast(held, flag: "conferenced") { crossRef, state in
            self.event(
                "ConferencedEvent", crossRef,
                [
                    Self.connection("primaryOldCall", primary, station),
                    Self.connection("secondaryOldCall", consultation, station),
                    Self.party("conferencingDevice", station, self.switchName),
                    Self.party("addedParty", added, self.switchName), E("conferenceConnections", children: changes),
                    E("localConnectionInfo", text: state), E("cause", text: "conference"),
                ])
        }
    }

    /// The call IDs in progress.
    public var callIDs: [Int] { calls.keys.sorted() }

    // MARK: - Requests about calls

    func snapshot(_ station: String?) -> DMCCElement {
        let infos = calls.values.sorted { $0.id < $1.id }.compactMap { call -> E? in
            guard let station, let state = call.state(of: station) else { return nil }
            return E(
                "snapshotDeviceResponseInfo",
                children: [
                    Self.connection("connectionIdentifier", call.id, station),
                    E(
                        "localCallState",
                        children: [E("compoundCallState", children: [E("localConnectionState", text: state)])]),
                ])
        }
        return E(
            "SnapshotDeviceResponse", attributes: [.init("xmlns", DMCCRequest.cstaNamespace)],
            children: [E("crossRefIDorSnapshotData", children: [E("snapshotData", children: infos)])])
    }

    /// A third-party MakeCall: the response names the new call, then the station originates it.
    func makeCall(calling: String?, called: String?) -> DMCCElement {
        guard let calling, options.extensions.contains(calling) else {
            return Self.error("operation", "invalidCallingDeviceID")
        }
        guard let called, !called.isEmpty else { return Self.error("operation", "invalidCalledDeviceID") }
        var call = newCall(caller: calling, called: called)
        call.set(calling, "initiated")
        calls[call.id] = call
        let id = call.id
        Task { self.originate(id) }
        return E(
            "MakeCallResponse", attributes: [.init("xmlns", DMCCRequest.cstaNamespace)],
            children: [
                Self.connection("callingDevice", id, calling),
                E(
                    "extensions",
                    children: [
                        E(
                            "privateData",
                            children: [
                                E(
                                    "private",
                                    children: [
                                        E(
                                            "ns1:MakeCallResponsePrivateData",
                                            attributes: [.init("xmlns:ns1", DMCCRequest.avayaNamespace)],
                                            children: [Self.linkage(call.ucid, prefix: "ns1:")])
                                    ])
                            ])
                    ]),
            ])
    }

    // MARK: - Rendering

    private var switchName: String { options.switchName }

    private func newCall(caller: String, called: String) -> SimulatedAESCall {
        var id = 1
        while calls[id] != nil { id += 1 }
        ucidSequence = (ucidSequence + 1) % 100_000
        let time = (options.ucidTime ?? Int(Date().timeIntervalSince1970)) % 10_000_000_000
        let ucid = String(format: "00001%05d%010d", ucidSequence, time)
        return SimulatedAESCall(id: id, ucid: ucid, caller: caller, called: called)
    }

    private func originate(_ id: Int) {
        guard var call = calls[id] else { return }
        let station = call.caller
        notifyCall(call, only: station, flag: "serviceInitiated") { crossRef, _ in
            self.event(
                "ServiceInitiatedEvent", crossRef,
                [
                    Self.connection("initiatedConnection", id, station),
                    Self.party("initiatingDevice", station, self.switchName),
                    E("localConnectionInfo", text: "initiated"), E("cause", text: "newCall"),
                ])
        }
        call.set(station, "connected")
        calls[id] = call
        notifyCall(call, only: station, flag: "originated") { crossRef, _ in
            self.event(
                "OriginatedEvent", crossRef,
                [
                    Self.connection("originatedConnection", id, station),
                    Self.party("callingDevice", station, self.switchName),
                    Self.party("calledDevice", call.called, self.switchName),
                    E("localConnectionInfo", text: "connected"), E("cause", text: "newCall"), Self.linkage(call.ucid),
                ])
        }
        if options.extensions.contains(call.called) {
            ring(id, call.called)
        } else if call.called.allSatisfy({ $0.isNumber || $0 == "*" || $0 == "#" }) && call.called.count > 6 {
            call.set(call.called, "connected")
            calls[id] = call
            notifyCall(call, only: station, flag: "networkReached") { crossRef, _ in
                self.event(
                    "NetworkReachedEvent", crossRef,
                    [
                        Self.connection("outboundConnection", id, "T1#1"),
                        Self.party("networkInterfaceUsed", "T1#1", self.switchName),
                        Self.party("callingDevice", station, self.switchName),
                        Self.party("calledDevice", call.called, self.switchName),
                        E("lastRedirectionDevice", children: [E("notRequired")]),
                        E("localConnectionInfo", text: "connected"), E("cause", text: "normal"),
                    ])
            }
        } else {
            notifyCall(call, only: station, flag: "failed") { crossRef, _ in
                self.event(
                    "FailedEvent", crossRef,
                    [
                        Self.connection("failedConnection", id, call.called),
                        Self.party("failingDevice", call.called, self.switchName),
                        Self.party("callingDevice", station, self.switchName),
                        Self.party("calledDevice", call.called, self.switchName),
                        E("localConnectionInfo", text: "connected"), E("cause", text: "destNotObtainable"),
                    ])
            }
        }
    }

    private func dropLeg(_ id: Int, _ party: String, cause: String) {
        guard let call = calls[id], call.state(of: party) != nil else { return }
        broadcast(call, flag: "connectionCleared") { crossRef, state in
            self.event(
                "ConnectionClearedEvent", crossRef,
                [
                    Self.connection("droppedConnection", id, party),
                    Self.party("releasingDevice", party, self.switchName),
                    E("localConnectionInfo", text: state), E("cause", text: cause),
                ])
        }
        calls[id]?.remove(party)
        if calls[id]?.parties.isEmpty == true { calls[id] = nil }
    }

    /// Sends to the monitors of every station in the call; the closure gets the cross-reference ID and that
    /// station's own connection state (`null` once its leg is the one dropped).
    private func broadcast(_ call: SimulatedAESCall, flag: String, _ event: (String, String) -> E) {
        for party in call.parties where options.extensions.contains(party.number) {
            notify(party.number, flag: flag) { crossRef in event(crossRef, party.state) }
        }
    }

    private func notifyCall(
        _ call: SimulatedAESCall, only station: String, flag: String, _ event: (String, String) -> E
    ) {
        let state = call.state(of: station) ?? "null"
        notify(station, flag: flag) { crossRef in event(crossRef, state) }
    }

    private func event(_ name: String, _ crossRef: String, _ children: [E]) -> E {
        E(
            name, attributes: [.init("xmlns", DMCCRequest.cstaNamespace)],
            children: [E("monitorCrossRefID", text: crossRef)] + children)
    }

    private static func connection(_ name: String, _ id: Int, _ number: String) -> E {
        E(name, children: [E("callID", text: String(id)), E("deviceID", text: "\(number):CM1::0")])
    }

    private static func party(_ name: String, _ number: String, _ switchName: String) -> E {
        E(name, children: [E("deviceIdentifier", text: "\(number):\(switchName)::0")])
    }

    private static func connectionChange(new: Int, old: Int, _ number: String) -> E {
        E(
            "connectionListItem",
            children: [
                connection("newConnection", new, number), connection("oldConnection", old, number),
                E("endpoint", children: [E("deviceID", text: "\(number):CM1::0")]),
            ])
    }

    private static func linkage(_ ucid: String, prefix: String = "") -> E {
        E(
            prefix + "callLinkageData",
            children: [
                E(
                    prefix + "globalCallData",
                    children: [
                        E(
                            prefix + "globalCallLinkageID",
                            children: [E(prefix + "globallyUniqueCallLinkageID", text: ucid)])
                    ])
            ])
    }
}

extension AESSimulator {
    /// Plays a scenario, `speed` times faster than real time; its call names map to CM call IDs as they start.
    public func play(_ scenario: AESScenario, speed: Double = 1) async {
        var names: [String: Int] = [:]
        let start = ContinuousClock.now
        for step in scenario.steps {
            try? await Task.sleep(until: start + .milliseconds(Int64(Double(step.at) / max(speed, 0.001))))
            switch step.action {
            case .inbound(let call, let from, let to): names[call] = inbound(from: from, to: to)
            case .outbound(let call, let from, let to): names[call] = outbound(from: from, to: to)
            case .ring(let call, let station): if let id = names[call] { ring(id, station) }
            case .answer(let call, let party): if let id = names[call] { answer(id, party) }
            case .divert(let call, let station, let to): if let id = names[call] { divert(id, from: station, to: to) }
            case .pickup(let call, let station, let by):
                if let id = names[call] { pickup(id, ringing: station, by: by) }
            case .busy(let call, let station): if let id = names[call] { busy(id, station) }
            case .hangup(let call, let party): if let id = names[call] { hangup(id, party) }
            case .transfer(let call, let consultation, let by):
                if let id = names[call], let other = names[consultation] {
                    transfer(primary: id, consultation: other, by: by)
                }
            case .conference(let call, let consultation, let by):
                if let id = names[call], let other = names[consultation] {
                    conference(primary: id, consultation: other, by: by)
                }
            }
        }
    }
}
