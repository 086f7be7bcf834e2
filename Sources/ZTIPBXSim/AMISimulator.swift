import Crypto
import Foundation
import ZTIAsterisk

/// The simulated Asterisk behind `zti-pbxsim ami`: sessions, logins, actions with the write classes Asterisk
/// enforces, scenario playback and faults. The network side is ``AMISimulatorServer``.
public actor AMISimulator {
    /// What a session's writer is told.
    typealias Output = SimulatorOutput

    struct Session {
        var output: AsyncStream<Output>.Continuation
        var loggedIn = false
        var eventMask: Set<String> = []
        var allEvents = true
        var nonce: String?
        var filters: [String] = []
    }

    public let options: AMISimulatorOptions
    private var sessions: [Int: Session] = [:]
    private var nextSession = 0
    private var channels = SimulatedChannels()
    private var stall = StallFault()
    private var loginWaiters: [CheckedContinuation<Void, Never>] = []
    /// Connections accepted so far.
    public private(set) var connectionCount = 0
    /// Successful logins so far (a client reconnecting counts again).
    public private(set) var loginCount = 0
    /// Events a session's `Filter` kept from it.
    public private(set) var filteredCount = 0
    /// What happens to the next Originate requests.
    public private(set) var originateOutcome = OriginateOutcome()
    private var channelCounter = 0
    /// The simulated Asterisk's start time, the first part of its Uniqueids; a restart takes a new one.
    private var startedAt = Int(Date().timeIntervalSince1970)
    /// Uniqueid counter values each scenario instance may use.
    static let channelsPerInstance = 100

    /// How simulated click-to-dial calls go: does the member answer, does the customer.
    public struct OriginateOutcome: Sendable {
        public enum Party: String, Sendable {
            case answer, noanswer, busy
        }

        public var member: Party
        public var customer: Party
        /// Scenario seconds of talk before the customer hangs up.
        public var talk: Duration

        public init(member: Party = .answer, customer: Party = .answer, talk: Duration = .seconds(5)) {
            self.member = member
            self.customer = customer
            self.talk = talk
        }
    }

    /// Sets what happens to the next Originate requests.
    public func setOriginateOutcome(_ outcome: OriginateOutcome) {
        originateOutcome = outcome
    }

    /// A simulator with `options`.
    public init(options: AMISimulatorOptions) {
        self.options = options
    }

    // MARK: - Sessions

    func open() -> (Int, AsyncStream<Output>) {
        nextSession += 1
        connectionCount += 1
        let (stream, continuation) = AsyncStream<Output>.makeStream()
        sessions[nextSession] = Session(output: continuation)
        if let banner = options.banner { continuation.yield(.bytes(Array("\(banner)\r\n".utf8))) }
        return (nextSession, stream)
    }

    func close(_ id: Int) {
        sessions.removeValue(forKey: id)?.output.finish()
    }

    /// How long a writer must wait before writing (a `stall` fault).
    func stallDelay() -> Duration? {
        stall.remaining()
    }

    /// Waits until at least one session is logged in.
    public func waitForLogin() async {
        if sessions.values.contains(where: \.loggedIn) { return }
        await withCheckedContinuation { loginWaiters.append($0) }
    }

    /// Answers one client action the way Asterisk does.
    func handle(_ session: Int, _ action: AMIMessage) {
        guard var state = sessions[session] else { return }
        let name = (action["Action"] ?? "").lowercased()
        let actionID = action.actionID
        func reply(_ headers: [(String, String)]) {
            var all = [("Response", headers.first?.1 ?? "Success")]
            if let actionID { all.append(("ActionID", actionID)) }
            all += headers.dropFirst()
            state.output.yield(.bytes(Self.encode(all)))
        }
        defer { sessions[session] = state }

        if !state.loggedIn && !["login", "challenge", "logoff"].contains(name) {
            reply([
                ("Response", "Error"),
                ("Message", options.family == .v14 ? "Authentication Required" : "Permission denied"),
            ])
            return
        }
        switch name {
        case "challenge":
            let nonce = String(UInt32.random(in: 100_000_000...999_999_999))
            state.nonce = nonce
            reply([("Response", "Success"), ("Challenge", nonce)])
        case "login":
            let user = action["Username"] ?? ""
            var accepted = user == options.username
            if action["AuthType"]?.lowercased() == "md5" {
                let expected = Insecure.MD5.hash(data: Data(((state.nonce ?? "") + options.secret).utf8))
                    .map { String(format: "%02x", $0) }.joined()
                accepted = accepted && action["Key"]?.lowercased() == expected
            } else {
                accepted = accepted && action["Secret"] == options.secret
            }
            guard accepted else {
                reply([("Response", "Error"), ("Message", "Authentication failed")])
                state.output.yield(.close)
                return
            }
            state.loggedIn = true
            loginCount += 1
            setMask(&state, action["Events"] ?? "on")
            reply([("Response", "Success"), ("Message", "Authentication accepted")])
            if options.family != .v14 {
                var booted = [("Event", "FullyBooted"), ("Privilege", "system,all")]
                if options.timestampEvents { booted.append(("Timestamp", Self.timestamp(Date()))) }
                booted.append(("Status", "Fully Booted"))
                state.output.yield(.bytes(Self.encode(booted)))
            }
            let waiters = loginWaiters
            loginWaiters = []
            for waiter in waiters { waiter.resume() }
        case "logoff":
            reply([("Response", "Goodbye"), ("Message", "Thanks for all the fish.")])
            state.output.yield(.close)
        case "ping":
            if options.family == .v14 {
                reply([("Response", "Pong")])
            } else {
                reply([("Response", "Success"), ("Ping", "Pong"), ("Timestamp", Self.timestamp(Date()))])
            }
        case "events":
            setMask(&state, action["EventMask"] ?? "on")
            reply(options.family == .v14 ? [("Response", "Events On")] : [("Response", "Success"), ("Events", "On")])
        case "coresettings" where options.family != .v14:
            guard allowed(["system", "reporting"]) else { return reply(denied) }
            reply([
                ("Response", "Success"), ("AMIversion", options.amiVersion),
                ("AsteriskVersion", options.asteriskVersion),
                ("SystemName", ""), ("CoreMaxCalls", "0"), ("CoreMaxLoadAvg", "0.000000"),
                ("CoreRunUser", "asterisk"), ("CoreRunGroup", "asterisk"), ("CoreMaxFilehandles", "0"),
                ("CoreRealTimeEnabled", "No"), ("CoreCDRenabled", "Yes"), ("CoreHTTPenabled", "No"),
            ])
        case "filter" where options.family != .v14:
            guard allowed(["system"]) else { return reply(denied) }
            if let filter = action["Filter"] { state.filters.append(filter) }
            reply([("Response", "Success"), ("Message", "Filter Added Successfully")])
        case "coreshowchannels" where options.family != .v14:
            guard allowed(["system", "reporting"]) else { return reply(denied) }
            let items = channels.listing(family: options.family, actionID: actionID ?? "")
            reply([("Response", "Success"), ("EventList", "start"), ("Message", "Channels will follow")])
            for item in items { state.output.yield(.bytes(Self.encode(item.map { ($0.name, $0.value) }))) }
            var complete = [("Event", "CoreShowChannelsComplete")]
            if let actionID { complete.append(("ActionID", actionID)) }
            complete += [("EventList", "Complete"), ("ListItems", String(items.count))]
            state.output.yield(.bytes(Self.encode(complete)))
        case "status":
            guard allowed(["system", "call", "reporting"]) else { return reply(denied) }
            let items = channels.listing(family: .v14, actionID: actionID ?? "")
            reply([("Response", "Success"), ("Message", "Channel status will follow")])
            for item in items { state.output.yield(.bytes(Self.encode(item.map { ($0.name, $0.value) }))) }
            var complete = [("Event", "StatusComplete")]
            if let actionID { complete.append(("ActionID", actionID)) }
            complete.append(("Items", String(items.count)))
            state.output.yield(.bytes(Self.encode(complete)))
        case "originate":
            guard allowed(options.family == .v14 ? ["call"] : ["originate"]) else { return reply(denied) }
            guard let channel = action["Channel"], let exten = action["Exten"] else {
                return reply([("Response", "Error"), ("Message", "Channel and Exten are required")])
            }
            // A technology no channel driver registered: the request fails for the channel (synchronously, or by
            // an OriginateResponse Failure when asynchronous), and nothing rings.
            let technology = channel.split(separator: "/").first.map { $0.uppercased() } ?? ""
            guard Self.technologies.contains(technology) else {
                guard action["Async"]?.lowercased() == "true" else {
                    return reply([("Response", "Error"), ("Message", "Originate failed")])
                }
                reply([("Response", "Success"), ("Message", "Originate successfully queued")])
                var failure = [("Event", "OriginateResponse"), ("Privilege", "call,all")]
                if let actionID { failure.append(("ActionID", actionID)) }
                failure += [
                    ("Response", "Failure"), ("Channel", channel), ("Context", action["Context"] ?? ""),
                    ("Exten", exten), ("Reason", "0"), ("Uniqueid", "<null>"), ("CallerIDNum", "<unknown>"),
                    ("CallerIDName", "<unknown>"),
                ]
                state.output.yield(.bytes(Self.encode(failure)))
                return
            }
            reply([("Response", "Success"), ("Message", "Originate successfully queued")])
            let timeout = action["Timeout"].flatMap { Int64($0) } ?? 30_000
            let outcome = originateOutcome
            Task {
                await self.runOriginate(
                    actionID: actionID ?? "", template: channel, exten: exten, timeout: timeout, outcome)
            }
        case "extensionstate":
            guard allowed(["call", "reporting"]) else { return reply(denied) }
            let exten = action["Exten"] ?? ""
            let context = action["Context"] ?? "default"
            let hinted =
                options.hintedExtensions?.contains(exten)
                ?? (!exten.isEmpty && exten.allSatisfy { $0.isASCII && $0.isNumber })
            let technology = options.family == .v12 ? "PJSIP" : "SIP"
            reply([
                ("Response", "Success"), ("Message", "Extension Status"), ("Exten", exten), ("Context", context),
                ("Hint", hinted ? "\(technology)/\(exten)" : ""), ("Status", hinted ? "0" : "-1"),
                ("StatusText", hinted ? "Idle" : "Unknown"),
            ])
        default:
            reply([("Response", "Error"), ("Message", "Invalid/unknown command")])
        }
    }

    /// The channel technologies the simulated PBX has drivers for.
    static let technologies: Set<String> = ["PJSIP", "SIP", "IAX2", "DAHDI", "LOCAL"]

    /// Plays a click-to-dial call: the member's phone rings first, then the customer is dialled.
    private func runOriginate(
        actionID: String, template: String, exten: String, timeout: Int64, _ outcome: OriginateOutcome
    )
        async
    {
        let renderer = SimulatedCallRenderer(family: options.family)
        // Click-to-dial channels count above every scenario instance's range.
        let base = startedAt
        func nextLeg(_ prefix: String, number: String, linkedid: String?) -> SimulatedCallRenderer.Leg {
            channelCounter += 1
            let uniqueid = "\(base).\(1_000_000_000 + channelCounter)"
            return SimulatedCallRenderer.Leg(
                name: prefix + "-" + String(format: "%08x", channelCounter), uniqueid: uniqueid,
                linkedid: linkedid ?? uniqueid, number: number)
        }
        func send(_ events: [[(String, String)]]) {
            for headers in events {
                emit(AMIMessage(kind: .event, headers: headers.map { AMIHeader($0.0, $0.1) }), headers)
            }
        }
        func wait(_ duration: Duration) async { try? await Task.sleep(for: duration / options.speed) }

        let memberNumber = template.split(separator: "/").last.map(String.init) ?? template
        var leg = nextLeg(template, number: memberNumber, linkedid: nil)
        send(renderer.newChannel(leg) + renderer.dialBegin(caller: nil, destination: leg, dialString: memberNumber))
        if outcome.member == .busy {
            await wait(.milliseconds(200))
            send(renderer.hangup(leg, cause: 17) + renderer.dialEnd(caller: nil, destination: leg, status: "BUSY"))
            send([
                renderer.originateResponse(
                    actionID: actionID, success: false, reason: 5, leg: leg, template: template, exten: exten)
            ])
            return
        }
        leg.state = 5
        send(renderer.newState(leg))
        if outcome.member == .noanswer {
            await wait(.milliseconds(timeout))
            send(renderer.dialEnd(caller: nil, destination: leg, status: "NOANSWER") + renderer.hangup(leg, cause: 16))
            send([
                renderer.originateResponse(
                    actionID: actionID, success: false, reason: 3, leg: leg, template: template, exten: exten)
            ])
            return
        }
        await wait(.seconds(2))
        leg.state = 6
        send(renderer.newState(leg) + renderer.dialEnd(caller: nil, destination: leg, status: "ANSWER"))
        send([
            renderer.originateResponse(
                actionID: actionID, success: true, reason: 4, leg: leg, template: template, exten: exten)
        ])
        leg.exten = exten
        var customer = nextLeg("PJSIP/carrier", number: exten, linkedid: leg.linkedid)
        customer.context = "from-pstn"
        send(
            renderer.dialplanStep(leg) + renderer.newChannel(customer)
                + renderer.dialBegin(caller: leg, destination: customer, dialString: exten + "@carrier"))
        await wait(.milliseconds(500))
        switch outcome.customer {
        case .busy:
            send(
                renderer.hangup(customer, cause: 17)
                    + renderer.dialEnd(caller: leg, destination: customer, status: "BUSY"))
            send(renderer.hangup(leg, cause: 17))
        case .noanswer:
            customer.state = 5
            send(renderer.newState(customer))
            await wait(.seconds(30))
            send(
                renderer.dialEnd(caller: leg, destination: customer, status: "NOANSWER")
                    + renderer.hangup(customer, cause: 16))
            send(renderer.hangup(leg, cause: 16))
        case .answer:
            customer.state = 5
            send(renderer.newState(customer))
            await wait(.seconds(3))
            customer.state = 6
            let bridge = SimulatedCallRenderer.bridgeId(for: leg.uniqueid)
            send(
                renderer.newState(customer) + renderer.dialEnd(caller: leg, destination: customer, status: "ANSWER")
                    + renderer.bridge(leg, customer, bridge: bridge))
            await wait(outcome.talk)
            send(
                renderer.unbridge(leg, customer, bridge: bridge) + renderer.hangup(customer, cause: 16)
                    + renderer.hangup(leg, cause: 16))
        }
    }

    private var denied: [(String, String)] { [("Response", "Error"), ("Message", "Permission denied")] }

    private func allowed(_ classes: Set<String>) -> Bool {
        !options.writeClasses.isDisjoint(with: classes) || options.writeClasses.contains("all")
    }

    private func setMask(_ state: inout Session, _ mask: String) {
        let lowered = mask.lowercased()
        state.allEvents = lowered == "on"
        state.eventMask =
            lowered == "off" ? [] : Set(lowered.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }

    // MARK: - Playback and faults

    /// Plays the events of a transcript to every logged-in session, timed by their `Timestamp:` differences
    /// divided by the speed; their `Timestamp:` becomes scenario time from now. Stops at a second banner.
    public func play(_ transcript: [UInt8]) async {
        var decoder = AMIDecoder(droppedEvents: [], droppedEventPrefixes: [])
        decoder.feed(transcript)
        var banners = 0
        var firstStamp: Double?
        let start = Date()
        let clock = ContinuousClock.now
        while let message = decoder.next() {
            if message.kind == .banner {
                banners += 1
                if banners > 1 { break }
                continue
            }
            guard message.kind == .event, message.actionID == nil else { continue }
            var headers = message.headers.map { ($0.name, $0.value) }
            if let stamp = message["Timestamp"].flatMap(Double.init) {
                let offset = stamp - (firstStamp ?? stamp)
                firstStamp = firstStamp ?? stamp
                try? await Task.sleep(until: clock + .milliseconds(Int64(offset * 1000 / options.speed)))
                headers = headers.map {
                    $0.0 == "Timestamp" ? ($0.0, Self.timestamp(start.addingTimeInterval(offset))) : $0
                }
            }
            if !options.timestampEvents { headers.removeAll { $0.0 == "Timestamp" } }
            emit(message, headers)
        }
    }

    /// Plays a scenario in this simulator's dialect; `instance` makes its Uniqueids distinct from other plays.
    /// `written` is told the index of each step once its events are queued to the clients (latency figures).
    public func play(
        _ scenario: SimScenario, instance: Int = 0, written: (@Sendable (_ step: Int) -> Void)? = nil
    ) async {
        // Asterisk's Uniqueids are its start time and a counter: a restarted simulator never reuses an old one.
        var runner = SimScenarioRunner(
            family: options.family, uniqueidPrefix: "\(startedAt)", counterBase: instance * Self.channelsPerInstance)
        let clock = ContinuousClock.now
        let start = Date()
        for (index, step) in scenario.steps.enumerated() {
            try? await Task.sleep(until: clock + .milliseconds(Int64(Double(step.at) / options.speed)))
            // Timestamp: follows scenario time, so durations are the scenario's whatever the speed.
            let stamp = Self.timestamp(start.addingTimeInterval(Double(step.at) / 1000))
            for headers in runner.events(step.action) {
                var stamped = headers
                if options.timestampEvents { stamped.insert(("Timestamp", stamp), at: min(2, stamped.count)) }
                emit(AMIMessage(kind: .event, headers: headers.map { AMIHeader($0.0, $0.1) }), stamped)
            }
            written?(index)
        }
    }

    /// Starts `rate` scenario instances per second, taking the scenarios in turn, for `duration` (or until the
    /// task is cancelled when nil). Returns how many were started.
    public func load(_ scenarios: [SimScenario], rate: Double, duration: Duration?) async -> Int {
        guard !scenarios.isEmpty, rate > 0 else { return 0 }
        let start = ContinuousClock.now
        var started = 0
        while !Task.isCancelled {
            if let duration, ContinuousClock.now - start >= duration { break }
            let scenario = scenarios[started % scenarios.count]
            let instance = started + 1
            Task { await self.play(scenario, instance: instance) }
            started += 1
            try? await Task.sleep(until: start + .milliseconds(Int64(Double(started) * 1000 / rate)))
        }
        return started
    }

    private func emit(_ message: AMIMessage, _ headers: [(String, String)]) {
        channels.apply(message)
        let bytes = Self.encode(headers)
        let classes = Set((message["Privilege"] ?? "").lowercased().split(separator: ",").map(String.init))
        for (id, session) in sessions where session.loggedIn {
            guard session.allEvents || !session.eventMask.isDisjoint(with: classes) else { continue }
            guard !session.filters.contains(where: { Self.excludes($0, message.eventName ?? "") }) else {
                filteredCount += 1
                continue
            }
            sessions[id]?.output.yield(.bytes(bytes))
        }
    }

    /// `!Event: Name` or `!Event: Prefix*` exclusion filters.
    static func excludes(_ filter: String, _ event: String) -> Bool {
        guard filter.hasPrefix("!Event: ") else { return false }
        let pattern = filter.dropFirst("!Event: ".count)
        return pattern.hasSuffix("*") ? event.hasPrefix(pattern.dropLast()) : event == pattern
    }

    /// Closes every connection, as a network failure would.
    public func drop() {
        for session in sessions.values { session.output.yield(.close) }
    }

    /// Stops writing to clients for `duration` (a hung PBX).
    public func stall(for duration: Duration) {
        stall.start(for: duration)
    }

    /// Writes `bytes` as they are to every logged-in client (hostile-input tests: oversized lines and messages).
    public func inject(_ bytes: [UInt8]) {
        for session in sessions.values { session.output.yield(.bytes(bytes)) }
    }

    /// Sends bytes no AMI server would send.
    public func garbage() {
        var bytes = (0..<200).map { _ in UInt8.random(in: 0...255) }
        bytes += Array("\r\n\r\n".utf8)
        for session in sessions.values { session.output.yield(.bytes(bytes)) }
    }

    /// A restart of Asterisk: every connection closes, every channel is gone, and Uniqueids start again.
    public func restart() {
        channels.reset()
        channelCounter = 0
        startedAt = max(Int(Date().timeIntervalSince1970), startedAt + 1)
        drop()
    }

    // MARK: - Encoding

    static func encode(_ headers: [(String, String)]) -> [UInt8] {
        var text = ""
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        return Array((text + "\r\n").utf8)
    }

    static func timestamp(_ date: Date) -> String {
        String(format: "%.6f", date.timeIntervalSince1970)
    }
}
