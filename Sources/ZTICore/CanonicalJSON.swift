import FoundationEssentials

/// The one JSON form used on the wire, in the spool and in replay output: keys sorted, absent optionals omitted
/// (never `null`), `/` unescaped. Encoding the same value twice gives the same bytes.
public enum CanonicalJSON {
    /// Encodes `value`; the types of this module cannot fail to encode.
    public static func data<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(value)
        } catch {
            preconditionFailure("\(T.self) failed to encode as JSON: \(error)")
        }
    }

    /// Encodes `value` as a UTF-8 string.
    public static func string<T: Encodable>(_ value: T) -> String {
        String(decoding: data(value), as: UTF8.self)
    }

    /// Decodes `T` from JSON bytes.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
