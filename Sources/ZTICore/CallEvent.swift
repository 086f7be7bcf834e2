/// One transition of one member extension's lifecycle in one user-visible call: the normalized event every
/// tracker emits and every sink consumes.
///
/// Its ``id`` is `group/callId/extension/state/attempt`, so a re-emission after a worker restart is the same id
/// and the spool drops it, while a queue ringing the same member again is a new attempt.
public struct CallEvent: Sendable, Equatable, Codable {
    public let id: String
    public let group: String
    public let pbx: PBXType
    public let callId: String
    public let direction: CallDirection
    public let state: CallState
    public var from: String?
    public var to: String?
    public var dialled: String?
    public var fromE164: String?
    public var toE164: String?
    public let `extension`: String
    public var user: String?
    public let attempt: Int
    public let at: EventTime
    public var startedAt: EventTime?
    public var answeredAt: EventTime?
    public var endedAt: EventTime?
    public var ringSeconds: Int?
    public var talkSeconds: Int?
    public var cause: CallCause?
    public var rawCause: String?
    public var transferredTo: String?
    public var transferredCallId: String?
    public var clickToDialId: String?

    /// Creates an event; the id is derived from the identifying fields, and the E.164 forms of `from` and `to`
    /// are filled in from `numbers` when they convert.
    public init(
        group: String, pbx: PBXType, callId: String, direction: CallDirection, state: CallState,
        extension extensionNumber: String, attempt: Int, at: EventTime, from: String? = nil, to: String? = nil,
        dialled: String? = nil, numbers: NumberPlan? = nil, user: String? = nil
    ) {
        self.id = Self.makeId(
            group: group, callId: callId, extension: extensionNumber, state: state, attempt: attempt)
        self.group = group
        self.pbx = pbx
        self.callId = callId
        self.direction = direction
        self.state = state
        self.extension = extensionNumber
        self.attempt = attempt
        self.at = at
        self.from = from
        self.to = to
        self.dialled = dialled
        self.user = user
        if let numbers {
            fromE164 = from.flatMap(numbers.e164)
            toE164 = to.flatMap(numbers.e164)
        }
    }

    /// Every field as read (the hand-written JSON reader); ``validate()`` checks the id against them.
    init(
        id: String, group: String, pbx: PBXType, callId: String, direction: CallDirection, state: CallState,
        from: String?, to: String?, dialled: String?, fromE164: String?, toE164: String?,
        extension extensionNumber: String, user: String?, attempt: Int, at: EventTime, startedAt: EventTime?,
        answeredAt: EventTime?, endedAt: EventTime?, ringSeconds: Int?, talkSeconds: Int?, cause: CallCause?,
        rawCause: String?, transferredTo: String?, transferredCallId: String?, clickToDialId: String?
    ) {
        self.id = id
        self.group = group
        self.pbx = pbx
        self.callId = callId
        self.direction = direction
        self.state = state
        self.from = from
        self.to = to
        self.dialled = dialled
        self.fromE164 = fromE164
        self.toE164 = toE164
        self.extension = extensionNumber
        self.user = user
        self.attempt = attempt
        self.at = at
        self.startedAt = startedAt
        self.answeredAt = answeredAt
        self.endedAt = endedAt
        self.ringSeconds = ringSeconds
        self.talkSeconds = talkSeconds
        self.cause = cause
        self.rawCause = rawCause
        self.transferredTo = transferredTo
        self.transferredCallId = transferredCallId
        self.clickToDialId = clickToDialId
    }

    /// `group/callId/extension/state/attempt`.
    public static func makeId(
        group: String, callId: String, extension extensionNumber: String, state: CallState, attempt: Int
    )
        -> String
    {
        // Appended into one reserved buffer: this runs for every event a tracker emits.
        var id = ""
        id.reserveCapacity(group.utf8.count + callId.utf8.count + extensionNumber.utf8.count + 24)
        id += group
        id += "/"
        id += callId
        id += "/"
        id += extensionNumber
        id += "/"
        id += state.rawValue
        id += "/"
        id += String(attempt)
        return id
    }

    /// Checks what a peer process cannot be trusted to get right: the id matches the fields, the attempt is
    /// positive, identifiers are non-empty and free of control characters and `/` (which would break the id).
    public func validate() throws(ZTICoreError) {
        for (name, value) in [("group", group), ("callId", callId), ("extension", `extension`)] {
            if value.isEmpty || value.utf8.contains(0x2F) || ConfigValueParser.containsControlCharacter(value) {
                throw ZTICoreError(
                    .eventInvalid,
                    "event \(DialPlan.shown(id)): \(name) \"\(DialPlan.shown(value))\" is empty or holds '/' or a "
                        + "control character")
            }
        }
        guard attempt >= 1 else {
            throw ZTICoreError(.eventInvalid, "event \(DialPlan.shown(id)): attempt \(attempt) is below 1")
        }
        let expected = Self.makeId(group: group, callId: callId, extension: `extension`, state: state, attempt: attempt)
        guard id == expected else {
            throw ZTICoreError(
                .eventInvalid, "event id \"\(DialPlan.shown(id))\" does not match its fields (expected \(expected))")
        }
    }

    /// The canonical JSON form: sorted keys, absent fields omitted, millisecond UTC times.
    public func canonicalJSON() -> String {
        String(decoding: CallEventJSON.bytes(self), as: UTF8.self)
    }
}
