/// A message as ``AMIDecoder/nextView(_:)`` hands it over: a view over the decoder's read buffer, valid only inside
/// the closure it is given to. Every header is located; a value becomes a `String` only when it is read, and
/// ``message`` copies the message out when it must be kept.
public struct AMIMessageView {
    /// The kind.
    public let kind: AMIMessage.Kind
    private let table: AMIHeaderTable?
    private let built: AMIMessage?

    init(
        kind: AMIMessage.Kind, bytes: UnsafeBufferPointer<UInt8>, fields: UnsafeBufferPointer<AMIMessage.Field>,
        isUTF8: Bool
    ) {
        self.kind = kind
        self.table = AMIHeaderTable(bytes: bytes, fields: fields, isUTF8: isUTF8)
        self.built = nil
    }

    /// A message the decoder built the slow way (a banner, a `Follows` reply, an opaque block).
    init(_ message: AMIMessage) {
        self.kind = message.kind
        self.table = nil
        self.built = message
    }

    /// The number of headers.
    public var headerCount: Int { table?.fields.count ?? built?.headerCount ?? 0 }

    /// True when a header is named `name` (case-insensitive); nothing is decoded.
    public func contains(_ name: String) -> Bool {
        if let table { return table.firstIndex(name) != nil }
        return built?[name] != nil
    }

    /// The first value of `name` (case-insensitive), if present.
    public subscript(name: String) -> String? {
        if let table { return table.firstValue(name) }
        return built?[name]
    }

    /// The message, copied out of the read buffer.
    public var message: AMIMessage {
        if let built { return built }
        guard let table else { return AMIMessage(kind: kind) }
        return AMIMessage(
            kind: kind, bytes: Array(table.bytes), fields: Array(table.fields), isUTF8: table.isUTF8)
    }
}
