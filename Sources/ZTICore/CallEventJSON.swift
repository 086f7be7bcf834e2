/// The call event's canonical JSON, written and read by hand: the form every hop carries (the `EVENT` frame, the
/// spool, the webhook body, replay output), byte for byte what `CanonicalJSON` makes of a ``CallEvent`` (keys
/// sorted, absent optionals omitted, `/` unescaped), at a fraction of the cost of Foundation's coders. The golden
/// tests hold the two equal.
public enum CallEventJSON {
    /// The canonical JSON of `event`.
    public static func bytes(_ event: CallEvent) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(512)
        write(event, into: &output)
        return output
    }

    /// The `EVENT` frame payload: the bare event without a resume key, else `{"event":…,"resumeKey":…}`.
    public static func envelope(_ event: CallEvent, resumeKey: String?) -> [UInt8] {
        guard let resumeKey else { return bytes(event) }
        var output: [UInt8] = []
        output.reserveCapacity(512 + resumeKey.utf8.count)
        output.append(contentsOf: #"{"event":"#.utf8)
        write(event, into: &output)
        output.append(contentsOf: #","resumeKey":"#.utf8)
        JSONText.writeString(resumeKey, into: &output)
        output.append(0x7D)
        return output
    }

    /// Appends the canonical JSON of `event` to `output`, its keys in sorted order.
    public static func write(_ event: CallEvent, into output: inout [UInt8]) {
        var object = JSONText.ObjectWriter(output: output)
        output = []
        object.field("answeredAt", event.answeredAt)
        object.field("at", event.at)
        object.field("attempt", event.attempt)
        object.field("callId", event.callId)
        object.field("cause", event.cause?.rawValue)
        object.field("clickToDialId", event.clickToDialId)
        object.field("dialled", event.dialled)
        object.field("direction", event.direction.rawValue)
        object.field("endedAt", event.endedAt)
        object.field("extension", event.extension)
        object.field("from", event.from)
        object.field("fromE164", event.fromE164)
        object.field("group", event.group)
        object.field("id", event.id)
        object.field("pbx", event.pbx.rawValue)
        object.field("rawCause", event.rawCause)
        object.field("ringSeconds", event.ringSeconds)
        object.field("startedAt", event.startedAt)
        object.field("state", event.state.rawValue)
        object.field("talkSeconds", event.talkSeconds)
        object.field("to", event.to)
        object.field("toE164", event.toE164)
        object.field("transferredCallId", event.transferredCallId)
        object.field("transferredTo", event.transferredTo)
        object.field("user", event.user)
        output = object.finish()
    }

    /// Reads an `EVENT` payload in either form (the bare event of protocol 1, or the envelope).
    public static func decodeEnvelope(_ bytes: some Collection<UInt8>) throws(ZTICoreError) -> (
        event: CallEvent, resumeKey: String?
    ) {
        try JSONReader.whole(bytes) { reader throws(ZTICoreError) in try readTopLevel(&reader) }
    }

    /// Reads a bare canonical event (the spool's payloads).
    public static func decode(_ bytes: some Collection<UInt8>) throws(ZTICoreError) -> CallEvent {
        try JSONReader.whole(bytes) { reader throws(ZTICoreError) in try readEvent(&reader) }
    }

    private static func readEvent(_ reader: inout JSONReader) throws(ZTICoreError) -> CallEvent {
        var fields = Fields()
        var object = try reader.beginObject()
        while let key = try reader.nextKey(&object) { try fields.read(key, &reader) }
        return try fields.event()
    }

    private static func readTopLevel(_ reader: inout JSONReader) throws(ZTICoreError) -> (CallEvent, String?) {
        var fields = Fields()
        var nested: CallEvent?
        var resumeKey: String?
        var object = try reader.beginObject()
        while let key = try reader.nextKey(&object) {
            if JSONReader.equals(key, "event") {
                nested = try readEvent(&reader)
            } else if JSONReader.equals(key, "resumeKey") {
                resumeKey = try reader.readOptionalString(key)
            } else {
                try fields.read(key, &reader)
            }
        }
        if let nested { return (nested, resumeKey) }
        return (try fields.event(), nil)
    }

    /// The fields of one event object as they are read; ``event()`` checks that the required ones came.
    private struct Fields {
        var id: String?
        var group: String?
        var pbx: PBXType?
        var callId: String?
        var direction: CallDirection?
        var state: CallState?
        var from: String?
        var to: String?
        var dialled: String?
        var fromE164: String?
        var toE164: String?
        var extensionNumber: String?
        var user: String?
        var attempt: Int?
        var at: EventTime?
        var startedAt: EventTime?
        var answeredAt: EventTime?
        var endedAt: EventTime?
        var ringSeconds: Int?
        var talkSeconds: Int?
        var cause: CallCause?
        var rawCause: String?
        var transferredTo: String?
        var transferredCallId: String?
        var clickToDialId: String?

        // swift-format-ignore
        mutating func read(_ key: UnsafeBufferPointer<UInt8>, _ reader: inout JSONReader) throws(ZTICoreError) {
            switch key.count {
            case 2 where JSONReader.equals(key, "id"): id = try reader.readOptionalString(key)
            case 2 where JSONReader.equals(key, "at"): at = try reader.readOptionalTime(key)
            case 2 where JSONReader.equals(key, "to"): to = try reader.readOptionalString(key)
            case 3 where JSONReader.equals(key, "pbx"): pbx = try reader.readOptionalEnum(key)
            case 4 where JSONReader.equals(key, "from"): from = try reader.readOptionalString(key)
            case 4 where JSONReader.equals(key, "user"): user = try reader.readOptionalString(key)
            case 5 where JSONReader.equals(key, "group"): group = try reader.readOptionalString(key)
            case 5 where JSONReader.equals(key, "state"): state = try reader.readOptionalEnum(key)
            case 5 where JSONReader.equals(key, "cause"): cause = try reader.readOptionalEnum(key)
            case 6 where JSONReader.equals(key, "callId"): callId = try reader.readOptionalString(key)
            case 6 where JSONReader.equals(key, "toE164"): toE164 = try reader.readOptionalString(key)
            case 7 where JSONReader.equals(key, "dialled"): dialled = try reader.readOptionalString(key)
            case 7 where JSONReader.equals(key, "attempt"): attempt = try reader.readOptionalInt(key)
            case 7 where JSONReader.equals(key, "endedAt"): endedAt = try reader.readOptionalTime(key)
            case 8 where JSONReader.equals(key, "fromE164"): fromE164 = try reader.readOptionalString(key)
            case 8 where JSONReader.equals(key, "rawCause"): rawCause = try reader.readOptionalString(key)
            case 9 where JSONReader.equals(key, "direction"): direction = try reader.readOptionalEnum(key)
            case 9 where JSONReader.equals(key, "extension"): extensionNumber = try reader.readOptionalString(key)
            case 9 where JSONReader.equals(key, "startedAt"): startedAt = try reader.readOptionalTime(key)
            case 10 where JSONReader.equals(key, "answeredAt"): answeredAt = try reader.readOptionalTime(key)
            case 11 where JSONReader.equals(key, "ringSeconds"): ringSeconds = try reader.readOptionalInt(key)
            case 11 where JSONReader.equals(key, "talkSeconds"): talkSeconds = try reader.readOptionalInt(key)
            case 13 where JSONReader.equals(key, "transferredTo"): transferredTo = try reader.readOptionalString(key)
            case 13 where JSONReader.equals(key, "clickToDialId"): clickToDialId = try reader.readOptionalString(key)
            case 17 where JSONReader.equals(key, "transferredCallId"):
                transferredCallId = try reader.readOptionalString(key)
            default: try reader.skipValue()
            }
        }

        func event() throws(ZTICoreError) -> CallEvent {
            func required<Value>(_ value: Value?, _ key: String) throws(ZTICoreError) -> Value {
                guard let value else { throw JSONReader.invalid("the key \(key) is missing") }
                return value
            }
            return CallEvent(
                id: try required(id, "id"), group: try required(group, "group"), pbx: try required(pbx, "pbx"),
                callId: try required(callId, "callId"), direction: try required(direction, "direction"),
                state: try required(state, "state"), from: from, to: to, dialled: dialled, fromE164: fromE164,
                toE164: toE164, extension: try required(extensionNumber, "extension"), user: user,
                attempt: try required(attempt, "attempt"), at: try required(at, "at"), startedAt: startedAt,
                answeredAt: answeredAt, endedAt: endedAt, ringSeconds: ringSeconds, talkSeconds: talkSeconds,
                cause: cause, rawCause: rawCause, transferredTo: transferredTo, transferredCallId: transferredCallId,
                clickToDialId: clickToDialId)
        }
    }
}
