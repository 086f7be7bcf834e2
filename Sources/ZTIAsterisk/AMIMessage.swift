/// One item of the AMI stream, as the codec cuts it.
///
/// The first header decides the kind. Headers stay an ordered list, because repeated keys are legal and
/// meaningful (`Output:`, `ChanVariable:`, `Variable:`); lookups are ASCII case-insensitive.
public struct AMIMessage: Sendable, Equatable {
    /// What the message is.
    public enum Kind: Sendable, Equatable {
        /// `Asterisk Call Manager/<version>`, the line a server sends on connect (or another first line without
        /// a colon, from a proxy).
        case banner
        /// A reply to an action (`Response:` first; any value: Success, Error, Goodbye, Pong, Events On, …).
        case response
        /// An event (`Event:` first), including the parts of a list reply.
        case event
        /// A client action (`Action:` first), as found in captures that interleave both directions.
        case action
        /// `Response: Follows`: a 1.4–13 `Command` reply, with the raw CLI text in ``body``.
        case follows
        /// A block whose first line has no colon: a 1.4 "immediate" reply, or anything unparseable.
        case opaque
    }

    /// The kind.
    public let kind: Kind
    /// The banner line, the `Follows` CLI text, or the opaque block's text.
    public let body: String?
    /// True for a `Follows` reply whose `--END COMMAND--` marker never came (recovered at the next message).
    public let truncated: Bool

    /// The header bytes, and where each key and value lies in them: values are decoded only when looked up,
    /// because the tracker reads a few of the dozens of headers a 12+ event carries.
    private let bytes: [UInt8]
    private let fields: [Field]
    private let isUTF8: Bool

    struct Field: Sendable, Equatable {
        let nameStart: Int32
        let nameEnd: Int32
        let valueStart: Int32
        let valueEnd: Int32
    }

    /// Creates a message from decoded headers.
    public init(kind: Kind, headers: [AMIHeader] = [], body: String? = nil, truncated: Bool = false) {
        var bytes: [UInt8] = []
        var fields: [Field] = []
        for header in headers {
            let nameStart = Int32(bytes.count)
            bytes += header.name.utf8
            let nameEnd = Int32(bytes.count)
            bytes += header.value.utf8
            fields.append(
                Field(nameStart: nameStart, nameEnd: nameEnd, valueStart: nameEnd, valueEnd: Int32(bytes.count)))
        }
        self.init(kind: kind, bytes: bytes, fields: fields, isUTF8: true, body: body, truncated: truncated)
    }

    /// Creates a message over raw header bytes (the decoder's path): `isUTF8` false decodes as ISO-8859-1.
    init(kind: Kind, bytes: [UInt8], fields: [Field], isUTF8: Bool, body: String? = nil, truncated: Bool = false) {
        self.kind = kind
        self.bytes = bytes
        self.fields = fields
        self.isUTF8 = isUTF8
        self.body = body
        self.truncated = truncated
    }

    public static func == (lhs: AMIMessage, rhs: AMIMessage) -> Bool {
        lhs.kind == rhs.kind && lhs.body == rhs.body && lhs.truncated == rhs.truncated && lhs.headers == rhs.headers
    }

    /// The headers, in order, all decoded.
    public var headers: [AMIHeader] {
        withTable { table in fields.map { AMIHeader(table.text(table.name($0)), table.text(table.value($0))) } }
    }

    /// The number of headers.
    public var headerCount: Int { fields.count }

    func withTable<Result>(_ body: (AMIHeaderTable) -> Result) -> Result {
        bytes.withUnsafeBufferPointer { bytes in
            fields.withUnsafeBufferPointer { fields in
                body(AMIHeaderTable(bytes: bytes, fields: fields, isUTF8: isUTF8))
            }
        }
    }

    private func text(_ start: Int32, _ end: Int32) -> String {
        withTable { $0.text(UnsafeBufferPointer(rebasing: $0.bytes[Int(start)..<Int(end)])) }
    }

    /// The first value of `name` (case-insensitive), if present.
    public subscript(name: String) -> String? {
        withTable { $0.firstValue(name) }
    }

    /// The first value of each of `keys` (ASCII bytes, compared case-insensitively after `prefix`, which is compared
    /// exactly), in one pass over the headers.
    func firstValues(_ keys: [[UInt8]], prefix: String) -> [String?] {
        withTable { $0.firstValues(keys, prefix: prefix) }
    }

    /// Hands the raw bytes of the first value of `name` (case-insensitive) to `body`, without making a `String`.
    func withValue<Result>(_ name: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
        withTable { table in table.firstIndex(name).map { body(table.value(table.fields[$0])) } }
    }

    /// Every value of `name` (case-insensitive), in order.
    public func values(_ name: String) -> [String] {
        withTable { $0.values(name) }
    }

    /// The event name, for events.
    public var eventName: String? {
        guard kind == .event, let first = fields.first else { return nil }
        return text(first.valueStart, first.valueEnd)
    }

    /// True for an event named `name` (compared ASCII case-insensitively, without making a `String`).
    func isEvent(named name: StaticString) -> Bool {
        guard kind == .event, let first = fields.first else { return false }
        return withTable { table in AMIHeader.equalsIgnoringASCIICase(table.value(first), name) }
    }

    /// The `Response:` value, for replies.
    public var response: String? {
        guard kind == .response || kind == .follows, let first = fields.first else { return nil }
        return text(first.valueStart, first.valueEnd)
    }

    /// The `ActionID`, if any.
    public var actionID: String? { self["ActionID"] }

    /// The AMI version of a banner (`1.0`, `2.10.4`), when it is Asterisk's.
    public var bannerVersion: String? {
        guard kind == .banner, let body, body.hasPrefix(AMIDecoder.bannerPrefix) else { return nil }
        return String(body.dropFirst(AMIDecoder.bannerPrefix.count))
    }
}
