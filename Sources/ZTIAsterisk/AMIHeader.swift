#if canImport(ZTICore)
import ZTICore
#endif

/// One `Key: value` line of an AMI message, in arrival order.
public struct AMIHeader: Sendable, Equatable {
    /// The key as the server wrote it (its case changed between versions: `Uniqueid`, `UniqueID`).
    public let name: String
    /// The value, without the single space after the colon and without the line end.
    public let value: String

    /// Creates a header.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// True when the key is `other` in ASCII case-insensitive comparison, as Asterisk matches headers.
    public func hasName(_ other: String) -> Bool {
        name == other || AMIHeader.equalsIgnoringASCIICase(name.utf8, other.utf8)
    }

    static func equalsIgnoringASCIICase(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var right = rhs.makeIterator()
        for byte in lhs where asciiLowercase(byte) != asciiLowercase(right.next()!) { return false }
        return true
    }

    /// The pointer form, for the decoder's hot path: lengths first, then bytes.
    @inline(__always)
    static func equalsIgnoringASCIICase(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for index in 0..<lhs.count where asciiLowercase(lhs[index]) != asciiLowercase(rhs[index]) { return false }
        return true
    }

    /// `bytes` against an ASCII key.
    @inline(__always)
    static func equalsIgnoringASCIICase(_ bytes: UnsafeBufferPointer<UInt8>, _ key: StaticString) -> Bool {
        equalsIgnoringASCIICase(bytes, UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
    }

    /// `bytes` against a key already lowercased.
    @inline(__always)
    static func equalsIgnoringASCIICase(_ bytes: UnsafeBufferPointer<UInt8>, lowercased key: [UInt8]) -> Bool {
        guard bytes.count == key.count else { return false }
        for index in 0..<key.count where asciiLowercase(bytes[index]) != key[index] { return false }
        return true
    }

    @inline(__always)
    static func asciiLowercase(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }
}
