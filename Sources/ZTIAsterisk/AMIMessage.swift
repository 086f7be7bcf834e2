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
    /// The headers, in order.
    public let headers: [AMIHeader]
    /// The banner line, the `Follows` CLI text, or the opaque block's text.
    public let body: String?
    /// True for a `Follows` reply whose `--END COMMAND--` marker never came (recovered at the next message).
    public let truncated: Bool

    /// Creates a message.
    public init(kind: Kind, headers: [AMIHeader] = [], body: String? = nil, truncated: Bool = false) {
        self.kind = kind
        self.headers = headers
        self.body = body
        self.truncated = truncated
    }

    /// The first value of `name` (case-insensitive), if present.
    public subscript(name: String) -> String? {
        headers.first { $0.hasName(name) }?.value
    }

    /// Every value of `name` (case-insensitive), in order.
    public func values(_ name: String) -> [String] {
        headers.filter { $0.hasName(name) }.map(\.value)
    }

    /// The event name, for events.
    public var eventName: String? { kind == .event ? headers.first?.value : nil }

    /// The `Response:` value, for replies.
    public var response: String? { kind == .response || kind == .follows ? headers.first?.value : nil }

    /// The `ActionID`, if any.
    public var actionID: String? { self["ActionID"] }

    /// The AMI version of a banner (`1.0`, `2.10.4`), when it is Asterisk's.
    public var bannerVersion: String? {
        guard kind == .banner, let body, body.hasPrefix(AMIDecoder.bannerPrefix) else { return nil }
        return String(body.dropFirst(AMIDecoder.bannerPrefix.count))
    }
}
