import Glibc

/// A strict, byte-level reader of the JSON the event codec accepts: objects, strings (every escape, surrogate
/// pairs, UTF-8 checked), integers, `null`, and any other value skipped when its key is unknown. It reads in place
/// and makes a `String` only for a value that is kept. Every failure names what was wrong; nothing crashes it.
struct JSONReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    /// Nesting of skipped values, bounded so that a hostile payload cannot exhaust the stack.
    private static let maximumDepth = 64

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Reads `bytes` with `body`, which must consume one value; only whitespace may follow it.
    static func whole<Value>(
        _ bytes: some Collection<UInt8>, _ body: (inout JSONReader) throws(ZTICoreError) -> Value
    ) throws(ZTICoreError) -> Value {
        func run(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<Value, ZTICoreError> {
            Result { () throws(ZTICoreError) in
                var reader = JSONReader(buffer)
                let value = try body(&reader)
                try reader.expectEnd()
                return value
            }
        }
        let read = bytes.withContiguousStorageIfAvailable(run) ?? Array(bytes).withUnsafeBufferPointer(run)
        return try read.get()
    }

    static func invalid(_ what: String) -> ZTICoreError {
        ZTICoreError(.framePayloadInvalid, what)
    }

    static func equals(_ key: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
        key.count == name.utf8CodeUnitCount
            && memcmp(key.baseAddress!, name.utf8Start, key.count) == 0
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    @inline(__always)
    private mutating func peek() throws(ZTICoreError) -> UInt8 {
        skipWhitespace()
        guard position < bytes.count else { throw Self.invalid("it ends early, at byte \(position)") }
        return bytes[position]
    }

    private mutating func expect(_ byte: UInt8) throws(ZTICoreError) {
        guard try peek() == byte else {
            throw Self.invalid("expected '\(Character(Unicode.Scalar(byte)))' at byte \(position)")
        }
        position += 1
    }

    /// Nothing but whitespace is left.
    mutating func expectEnd() throws(ZTICoreError) {
        skipWhitespace()
        guard position == bytes.count else { throw Self.invalid("unexpected bytes after the value, at \(position)") }
    }

    /// Where the reader is in an object: before its first key, or after a value.
    struct ObjectState {
        fileprivate var isFirst = true
    }

    /// Opens an object; then ``nextKey(_:)`` gives each key, whose value the caller must read before the next.
    mutating func beginObject() throws(ZTICoreError) -> ObjectState {
        try expect(0x7B)
        return ObjectState()
    }

    /// The object's next key (raw bytes; a key with an escape matches none of the schema's), or nil at its `}`.
    mutating func nextKey(_ state: inout ObjectState) throws(ZTICoreError) -> UnsafeBufferPointer<UInt8>? {
        let byte = try peek()
        if state.isFirst {
            state.isFirst = false
            if byte == 0x7D {
                position += 1
                return nil
            }
        } else {
            switch byte {
            case 0x2C: position += 1
            case 0x7D:
                position += 1
                return nil
            default: throw Self.invalid("expected ',' or '}' at byte \(position)")
            }
        }
        let key = try readKey()
        try expect(0x3A)
        return key
    }

    /// A key: the event schema's keys have no escapes, and a key with one matches none of them.
    private mutating func readKey() throws(ZTICoreError) -> UnsafeBufferPointer<UInt8> {
        guard try peek() == 0x22 else { throw Self.invalid("expected a key at byte \(position)") }
        let start = position + 1
        var escaped = false
        try skipString(sawEscape: &escaped)
        guard !escaped else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(rebasing: bytes[start..<position - 1])
    }

    /// A string, or nil for `null`.
    mutating func readOptionalString(_ key: UnsafeBufferPointer<UInt8>) throws(ZTICoreError) -> String? {
        switch try peek() {
        case 0x6E:
            try readLiteral("null")
            return nil
        case 0x22: return try readString()
        default: throw Self.invalid("\(Self.name(key)) is not a string")
        }
    }

    /// An array of strings (`null` is not one, nor is any other element).
    mutating func readStringArray(_ key: UnsafeBufferPointer<UInt8>) throws(ZTICoreError) -> [String] {
        guard try peek() == 0x5B else { throw Self.invalid("\(Self.name(key)) is not an array") }
        position += 1
        var values: [String] = []
        if try peek() == 0x5D {
            position += 1
            return values
        }
        while true {
            guard try peek() == 0x22 else {
                throw Self.invalid("\(Self.name(key)) has an element that is not a string")
            }
            values.append(try readString())
            switch try peek() {
            case 0x2C: position += 1
            case 0x5D:
                position += 1
                return values
            default: throw Self.invalid("expected ',' or ']' at byte \(position)")
            }
        }
    }

    mutating func readOptionalInt(_ key: UnsafeBufferPointer<UInt8>) throws(ZTICoreError) -> Int? {
        let first = try peek()
        if first == 0x6E {
            try readLiteral("null")
            return nil
        }
        var negative = false
        if first == 0x2D {
            negative = true
            position += 1
        }
        let start = position
        var magnitude: UInt = 0
        while position < bytes.count, (0x30...0x39).contains(bytes[position]) {
            let (times, overflowTimes) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflowSum) = times.addingReportingOverflow(UInt(bytes[position] - 0x30))
            guard !overflowTimes, !overflowSum else { throw Self.invalid("\(Self.name(key)) is out of range") }
            magnitude = sum
            position += 1
        }
        let count = position - start
        guard count > 0, count == 1 || bytes[start] != 0x30 else {
            throw Self.invalid("\(Self.name(key)) is not an integer")
        }
        if position < bytes.count, [0x2E, 0x65, 0x45].contains(bytes[position]) {
            throw Self.invalid("\(Self.name(key)) is not an integer")
        }
        if negative {
            guard magnitude <= UInt(Int.max) + 1 else { throw Self.invalid("\(Self.name(key)) is out of range") }
            return magnitude == UInt(Int.max) + 1 ? Int.min : -Int(magnitude)
        }
        guard magnitude <= UInt(Int.max) else { throw Self.invalid("\(Self.name(key)) is out of range") }
        return Int(magnitude)
    }

    /// A time, read straight from the string's bytes (a string with escapes goes the long way, as any writer may
    /// escape a character).
    mutating func readOptionalTime(_ key: UnsafeBufferPointer<UInt8>) throws(ZTICoreError) -> EventTime? {
        let invalid = Self.invalid("\(Self.name(key)) is not a time as yyyy-MM-ddTHH:mm:ss.SSSZ")
        guard try peek() == 0x22 else {
            guard let text = try readOptionalString(key) else { return nil }
            guard let time = EventTime(text) else { throw invalid }
            return time
        }
        let opening = position
        var escaped = false
        try skipString(sawEscape: &escaped)
        if escaped {
            position = opening
            guard let time = EventTime(try readString()) else { throw invalid }
            return time
        }
        guard let time = EventTime(canonical: UnsafeBufferPointer(rebasing: bytes[opening + 1..<position - 1])) else {
            throw invalid
        }
        return time
    }

    mutating func readOptionalEnum<Value: RawRepresentable<String>>(_ key: UnsafeBufferPointer<UInt8>)
        throws(ZTICoreError) -> Value?
    {
        guard let text = try readOptionalString(key) else { return nil }
        guard let value = Value(rawValue: text) else {
            throw Self.invalid("\(Self.name(key)) \"\(DialPlan.shown(text))\" is not one of its values")
        }
        return value
    }

    private static func name(_ key: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: key, as: UTF8.self)
    }

    private mutating func readLiteral(_ literal: StaticString) throws(ZTICoreError) {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - position >= count, memcmp(bytes.baseAddress! + position, literal.utf8Start, count) == 0
        else { throw Self.invalid("an unknown literal at byte \(position)") }
        position += count
    }

    /// Moves past a string, its opening quote at `position`.
    private mutating func skipString(sawEscape: inout Bool) throws(ZTICoreError) {
        position += 1
        while position < bytes.count {
            let byte = bytes[position]
            if byte == 0x22 {
                position += 1
                return
            }
            if byte == 0x5C {
                sawEscape = true
                position += 2
                continue
            }
            guard byte >= 0x20 else { throw Self.invalid("a control character inside a string, at byte \(position)") }
            position += 1
        }
        throw Self.invalid("a string is not closed")
    }

    /// A string value: without escapes it is made straight from its bytes (UTF-8 checked).
    private mutating func readString() throws(ZTICoreError) -> String {
        let start = position + 1
        var escaped = false
        try skipString(sawEscape: &escaped)
        let content = UnsafeBufferPointer(rebasing: bytes[start..<position - 1])
        if !escaped {
            if ASCIIBytes.isASCII(content) { return String(decoding: content, as: UTF8.self) }
            guard let text = String(validating: content, as: UTF8.self) else {
                throw Self.invalid("a string that is not UTF-8, at byte \(start)")
            }
            return text
        }
        return try unescape(content, at: start)
    }

    private func unescape(_ content: UnsafeBufferPointer<UInt8>, at offset: Int) throws(ZTICoreError) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(content.count)
        var index = 0
        func hex4(_ at: Int) throws(ZTICoreError) -> UInt32 {
            guard at + 4 <= content.count else { throw Self.invalid("a short \\u escape at byte \(offset + at)") }
            var value: UInt32 = 0
            for byte in content[at..<at + 4] {
                let digit: UInt8
                switch byte {
                case 0x30...0x39: digit = byte - 0x30
                case 0x41...0x46: digit = byte - 0x41 + 10
                case 0x61...0x66: digit = byte - 0x61 + 10
                default: throw Self.invalid("a bad \\u escape at byte \(offset + at)")
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        while index < content.count {
            let byte = content[index]
            guard byte == 0x5C else {
                output.append(byte)
                index += 1
                continue
            }
            guard index + 1 < content.count else { throw Self.invalid("a dangling escape at byte \(offset + index)") }
            let kind = content[index + 1]
            index += 2
            switch kind {
            case 0x22, 0x5C, 0x2F: output.append(kind)
            case 0x62: output.append(0x08)
            case 0x66: output.append(0x0C)
            case 0x6E: output.append(0x0A)
            case 0x72: output.append(0x0D)
            case 0x74: output.append(0x09)
            case 0x75:
                var scalar = try hex4(index)
                index += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    guard index + 6 <= content.count, content[index] == 0x5C, content[index + 1] == 0x75 else {
                        throw Self.invalid("a lone surrogate at byte \(offset + index)")
                    }
                    let low = try hex4(index + 2)
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw Self.invalid("a lone surrogate at byte \(offset + index)")
                    }
                    index += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else {
                    throw Self.invalid("a lone surrogate at byte \(offset + index)")
                }
                output.append(contentsOf: String(unicode).utf8)
            default: throw Self.invalid("an unknown escape at byte \(offset + index - 1)")
            }
        }
        guard let text = String(validating: output, as: UTF8.self) else {
            throw Self.invalid("a string that is not UTF-8, at byte \(offset)")
        }
        return text
    }

    /// Moves past any value (an unknown key's).
    mutating func skipValue(depth: Int = 0) throws(ZTICoreError) {
        guard depth < Self.maximumDepth else { throw Self.invalid("values nested deeper than \(Self.maximumDepth)") }
        switch try peek() {
        case 0x22:
            var escaped = false
            try skipString(sawEscape: &escaped)
        case 0x7B:
            var object = try beginObject()
            while try nextKey(&object) != nil { try skipValue(depth: depth + 1) }
        case 0x5B:
            position += 1
            if try peek() == 0x5D {
                position += 1
                return
            }
            while true {
                try skipValue(depth: depth + 1)
                switch try peek() {
                case 0x2C: position += 1
                case 0x5D:
                    position += 1
                    return
                default: throw Self.invalid("expected ',' or ']' at byte \(position)")
                }
            }
        case 0x74: try readLiteral("true")
        case 0x66: try readLiteral("false")
        case 0x6E: try readLiteral("null")
        default: try skipNumber()
        }
    }

    private mutating func skipNumber() throws(ZTICoreError) {
        let start = position
        while position < bytes.count {
            switch bytes[position] {
            case 0x30...0x39, 0x2D, 0x2B, 0x2E, 0x65, 0x45: position += 1
            default:
                guard position > start else { throw Self.invalid("an unexpected byte at \(position)") }
                return
            }
        }
        guard position > start else { throw Self.invalid("it ends early, at byte \(position)") }
    }
}
