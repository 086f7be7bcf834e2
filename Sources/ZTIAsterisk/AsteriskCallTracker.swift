import ZTICore

/// The call tracker of an Asterisk or Elastix group: AMI messages in, normalized ``CallEvent``s out.
///
/// A pure state machine (a value; `handle` is `(state, message) → (state, [CallEvent])`). The family comes from
/// the banner, or is given, or (``detecting(directory:)``) is inferred from the first messages that show it, which
/// are held until then; each family's adapter turns its dialect into ``TrackerInput``s for the shared
/// ``CallTrackerCore``. Event times are the message's `Timestamp:` when the PBX sends one, else `receivedAt`.
public struct AsteriskCallTracker: Sendable {
    /// The event family in use; set by a banner.
    public private(set) var family: AMIFamily
    /// How the family was decided.
    public private(set) var familySource: AMIFamilyInference.Source
    private(set) var core: CallTrackerCore
    private var legacy: LegacyFamilyAdapter
    private var lastTime = EventTime(millisecondsSinceEpoch: .min)
    /// Messages held while the family is undecided (nil once decided).
    private var undecided: [(message: AMIMessage, receivedAt: EventTime)]?
    /// A family given with ``fix(_:)``: banners no longer change it.
    private var fixed = false

    /// How many messages are held, at most, while the family is undecided; then 12+ is taken.
    public static let undecidedLimit = 2_000

    /// A tracker for the members of `directory`, starting with `family` until a banner says otherwise.
    public init(directory: MemberDirectory, family: AMIFamily = .v12) {
        self.family = family
        self.familySource = .given
        self.core = CallTrackerCore(directory: directory)
        self.legacy = LegacyFamilyAdapter(family: family)
    }

    /// A tracker whose family a banner decides or, without one, the first messages that show it (see
    /// ``AMIFamilyInference``): until then messages are held (at most ``undecidedLimit``) and emit nothing.
    public static func detecting(directory: MemberDirectory) -> AsteriskCallTracker {
        var tracker = AsteriskCallTracker(directory: directory)
        tracker.undecided = []
        tracker.familySource = .assumed
        return tracker
    }

    /// True while no banner or message has told the family.
    public var isUndecided: Bool { undecided != nil }

    /// Uses `family` whatever banners say (`ztisup replay --family`).
    public mutating func fix(_ family: AMIFamily) -> [CallEvent] {
        let events = decide(family, source: .given)
        fixed = true
        return events
    }

    /// Decides the family (a banner, `CoreSettings`, the first telling event, or nothing before the buffer filled)
    /// and applies the messages held meanwhile, in order.
    public mutating func decide(_ family: AMIFamily, source: AMIFamilyInference.Source) -> [CallEvent] {
        if fixed { return [] }
        if family != self.family { legacy = LegacyFamilyAdapter(family: family) }
        self.family = family
        familySource = source
        guard let held = undecided else { return [] }
        undecided = nil
        var events: [CallEvent] = []
        for (message, receivedAt) in held { events += apply(message, receivedAt: receivedAt) }
        return events
    }

    /// Calls in progress.
    public var activeCallCount: Int { core.activeCallCount }

    /// Lifecycles still open (`callId/extension/attempt`).
    public var openLifecycles: [String] { core.openLifecycles }

    /// The resume key (the member's device channel) of each event the last `handle` returned, by event id.
    public var resumeKeys: [String: String] { core.resumeKeys }

    /// The spool's open lifecycles come later: calls adopted meanwhile emit nothing until ``takeOver(_:)``.
    public mutating func awaitOpen() {
        core.awaitingOpen = true
    }

    /// The spool's open lifecycles, after the worker started: see ``CallTrackerCore/takeOver(_:)``.
    public mutating func takeOver(_ open: OpenLifecycles) {
        core.takeOver(open)
    }

    /// Takes a group over from a previous worker: see ``CallTrackerCore/resume(_:)``.
    public mutating func resume(_ open: OpenLifecycles) {
        core.resume(open)
    }

    /// Closes the lifecycles quiet since before `cutoff`, while the PBX cannot be reached.
    public mutating func closeQuiet(before cutoff: EventTime) -> [CallEvent] {
        core.closeQuiet(before: cutoff)
    }

    /// How the first re-sync after ``resume(_:)`` went, once it has ended.
    public mutating func takeResumeReport() -> (resumed: Int, closed: Int)? {
        core.takeResumeReport()
    }

    /// Applies one message.
    public mutating func handle(_ message: AMIMessage, receivedAt: EventTime) -> [CallEvent] {
        if message.kind == .banner {
            guard let detected = AMIFamilyInference.family(of: message) else { return [] }
            return decide(detected, source: .banner)
        }
        guard undecided != nil else { return apply(message, receivedAt: receivedAt) }
        undecided?.append((message, receivedAt))
        if let inferred = AMIFamilyInference.family(of: message) { return decide(inferred, source: .events) }
        if undecided?.count ?? 0 >= Self.undecidedLimit { return decide(.v12, source: .assumed) }
        return []
    }

    private mutating func apply(_ message: AMIMessage, receivedAt: EventTime) -> [CallEvent] {
        // Newexten matters to 1.4 only (its dialled numbers); the other families never see it, whether or not
        // the decoder let it through.
        if family != .v14, message.kind == .event, message.eventName == "Newexten" { return [] }
        // Replies and list items carry no Timestamp even with timestampevents=yes: they take the later of the
        // receive time and the last event time, so times never go backwards.
        let time = Self.timestamp(message) ?? max(receivedAt, lastTime)
        lastTime = max(lastTime, time)
        var events: [CallEvent] = []
        for input in inputs(message) {
            events += core.handle(input, at: time)
        }
        return events
    }

    /// Applies one family-neutral input directly (the worker's own click-to-dial bookkeeping).
    public mutating func handle(_ input: TrackerInput, at time: EventTime) -> [CallEvent] {
        core.handle(input, at: time)
    }

    private mutating func inputs(_ message: AMIMessage) -> [TrackerInput] {
        switch family {
        case .v12: Family12Adapter.inputs(message)
        case .v11, .v14: legacy.inputs(message)
        }
    }

    /// `Timestamp: 1732526400.123456` as milliseconds, read from the bytes (every event carries one).
    static func timestamp(_ message: AMIMessage) -> EventTime? {
        guard message.kind == .event else { return nil }
        let parsed: Int64?? = message.withValue("Timestamp") { bytes -> Int64? in
            var seconds: Int64 = 0
            var index = 0
            while index < bytes.count, bytes[index] != 0x2E {
                guard index < 12, (0x30...0x39).contains(bytes[index]) else { return nil }
                seconds = seconds * 10 + Int64(bytes[index] - 0x30)
                index += 1
            }
            guard index > 0 else { return nil }
            var milliseconds: Int64 = 0
            if index < bytes.count {
                // The fraction's first three digits; fewer are padded with zeros, and the rest is not read.
                var scale: Int64 = 100
                index += 1
                let fractionStart = index
                while index < bytes.count, index - fractionStart < 3 {
                    guard (0x30...0x39).contains(bytes[index]) else { return nil }
                    milliseconds += Int64(bytes[index] - 0x30) * scale
                    scale /= 10
                    index += 1
                }
            }
            return seconds * 1000 + milliseconds
        }
        guard let milliseconds = parsed ?? nil else { return nil }
        return EventTime(millisecondsSinceEpoch: milliseconds)
    }
}
