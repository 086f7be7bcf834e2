import ZTIAsterisk

/// Turns scenario steps into the events of one family, keeping the channels of each call.
struct SimScenarioRunner: Sendable {
    private typealias Leg = SimulatedCallRenderer.Leg

    private struct Call {
        var caller: Leg
        var legs: [String: Leg] = [:]
        var ringing: [String] = []
        var answered: String?
    }

    private let renderer: SimulatedCallRenderer
    private let family: AMIFamily
    private let uniqueidPrefix: String
    private var counter = 0
    private var calls: [String: Call] = [:]

    /// A runner whose Uniqueids are `uniqueidPrefix.N`, N counting up from `counterBase + 1` (as Asterisk's are
    /// its start time and a channel counter; distinct scenario instances take distinct bases).
    init(family: AMIFamily, uniqueidPrefix: String, counterBase: Int = 0) {
        self.family = family
        self.renderer = SimulatedCallRenderer(family: family)
        self.uniqueidPrefix = uniqueidPrefix
        self.counter = counterBase
    }

    private var technology: String { family == .v12 ? "PJSIP" : "SIP" }

    private mutating func leg(
        _ endpoint: String, number: String, linkedid: String?, context: String, exten: String = "s"
    )
        -> Leg
    {
        counter += 1
        let uniqueid = "\(uniqueidPrefix).\(counter)"
        let suffix = String(counter, radix: 16).leftPadded(8)
        return Leg(
            name: "\(technology)/\(endpoint)-\(suffix)", uniqueid: uniqueid, linkedid: linkedid ?? uniqueid,
            number: number, context: context, exten: exten)
    }

    mutating func events(_ action: SimScenario.Action) -> [[(String, String)]] {
        switch action {
        case .inbound(let id, let from, let to):
            var caller = leg("carrier", number: from, linkedid: nil, context: "from-pstn", exten: to)
            var events = renderer.newChannel(caller)
            caller.state = 4
            events += renderer.newState(caller) + renderer.dialplanStep(caller)
            calls[id] = Call(caller: caller)
            return events
        case .outbound(let id, let from, let to):
            var caller = leg(from, number: from, linkedid: nil, context: "from-internal", exten: to)
            var events = renderer.newChannel(caller)
            caller.state = 4
            events += renderer.newState(caller) + renderer.dialplanStep(caller)
            calls[id] = Call(caller: caller)
            return events
        case .ring(let id, let extensions):
            guard var call = calls[id] else { return [] }
            var events: [[(String, String)]] = []
            for ext in extensions {
                var member = leg(ext, number: ext, linkedid: call.caller.linkedid, context: "from-internal")
                events += renderer.newChannel(member)
                events += renderer.dialBegin(
                    caller: call.caller, destination: member, dialString: "\(technology)/\(ext)")
                member.state = 5
                events += renderer.newState(member)
                call.legs[ext] = member
                call.ringing.append(ext)
            }
            calls[id] = call
            return events
        case .dial(let id, let number):
            guard var call = calls[id] else { return [] }
            var far = leg("carrier", number: number, linkedid: call.caller.linkedid, context: "from-pstn")
            var events = renderer.newChannel(far)
            events += renderer.dialBegin(caller: call.caller, destination: far, dialString: "\(number)@carrier")
            far.state = 5
            events += renderer.newState(far)
            call.legs["far"] = far
            call.ringing.append("far")
            calls[id] = call
            return events
        case .answer(let id, let party):
            guard var call = calls[id], var answering = call.legs[party] else { return [] }
            answering.state = 6
            var events = renderer.newState(answering)
            events += renderer.dialEnd(caller: call.caller, destination: answering, status: "ANSWER")
            if call.caller.state != 6 {
                call.caller.state = 6
                events += renderer.newState(call.caller)
            }
            events += renderer.bridge(
                call.caller, answering, bridge: SimulatedCallRenderer.bridgeId(for: call.caller.uniqueid))
            call.legs[party] = answering
            call.answered = party
            for other in call.ringing where other != party {
                guard let loser = call.legs[other] else { continue }
                if family == .v12 {
                    events += renderer.dialEnd(caller: call.caller, destination: loser, status: "CANCEL")
                }
                events += renderer.hangup(loser, cause: family == .v14 ? 16 : 26)
                call.legs[other] = nil
            }
            call.ringing = []
            calls[id] = call
            return events
        case .busy(let id, let party), .noAnswer(let id, let party):
            guard var call = calls[id], let failing = call.legs[party] else { return [] }
            let isBusy = if case .busy = action { true } else { false }
            call.ringing.removeAll { $0 == party }
            call.legs[party] = nil
            var events = renderer.hangup(failing, cause: isBusy ? 17 : 16)
            // 1.6–11 report one Dial End per Dial, when its last leg is done.
            if family == .v12 || call.ringing.isEmpty {
                events += renderer.dialEnd(
                    caller: call.caller, destination: failing, status: isBusy ? "BUSY" : "NOANSWER")
            }
            calls[id] = call
            return events
        case .giveUp(let id):
            guard let call = calls[id] else { return [] }
            var events: [[(String, String)]] = []
            for (index, party) in call.ringing.enumerated() {
                guard let leg = call.legs[party] else { continue }
                if family == .v12 || index == call.ringing.count - 1 {
                    events += renderer.dialEnd(caller: call.caller, destination: leg, status: "CANCEL")
                }
                events += renderer.hangup(leg, cause: 16)
            }
            calls[id] = nil
            return events + renderer.hangup(call.caller, cause: 16)
        case .hangup(let id):
            guard let call = calls[id] else { return [] }
            var events: [[(String, String)]] = []
            if let party = call.answered, let answering = call.legs[party] {
                events += renderer.unbridge(
                    call.caller, answering, bridge: SimulatedCallRenderer.bridgeId(for: call.caller.uniqueid))
            }
            for party in call.legs.keys.sorted() { events += renderer.hangup(call.legs[party]!, cause: 16) }
            calls[id] = nil
            return events + renderer.hangup(call.caller, cause: 16)
        }
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
