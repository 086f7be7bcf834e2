/// Writing canonical JSON by hand: strings escaped as Foundation's `JSONEncoder` escapes them with
/// `.withoutEscapingSlashes` (`"`, `\`, the short forms `\b \f \n \r \t`, other controls as `\u00xx`, everything
/// else as its UTF-8), and objects whose keys the caller writes in sorted order, absent values omitted.
public enum JSONText {
    /// Appends `text` as a JSON string literal.
    public static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(0x22)
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                if runStart < index {
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                }
                runStart = index + 1
                output.append(0x5C)
                switch byte {
                case 0x22: output.append(0x22)
                case 0x5C: output.append(0x5C)
                case 0x08: output.append(0x62)
                case 0x0C: output.append(0x66)
                case 0x0A: output.append(0x6E)
                case 0x0D: output.append(0x72)
                case 0x09: output.append(0x74)
                default:
                    output.append(contentsOf: [0x75, 0x30, 0x30, hexDigit(byte >> 4), hexDigit(byte & 0x0F)])
                }
            }
            if runStart < bytes.count { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
        }
        output.append(0x22)
    }

    /// Appends `value` in decimal.
    public static func writeInteger(_ value: Int, into output: inout [UInt8]) {
        if value < 0 {
            output.append(0x2D)
            // The magnitude as unsigned, so that Int.min has one too.
            writeMagnitude(value.magnitude, into: &output)
        } else {
            writeMagnitude(UInt(value), into: &output)
        }
    }

    private static func writeMagnitude(_ value: UInt, into output: inout [UInt8]) {
        if value < 10 {
            output.append(0x30 + UInt8(value))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[23 - count] = 0x30 + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            output.append(contentsOf: buffer[(24 - count)...])
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10
    }

    /// One JSON object being written: `{`, then each present field with its comma, then `}`.
    public struct ObjectWriter {
        private(set) var output: [UInt8]
        private var isFirst = true

        /// Starts an object at the end of `output`, which the writer takes over (append, then ``finish()``).
        public init(output: [UInt8]) {
            self.output = output
            self.output.append(0x7B)
        }

        private mutating func key(_ name: StaticString) {
            if isFirst {
                isFirst = false
            } else {
                output.append(0x2C)
            }
            output.append(0x22)
            output.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            output.append(contentsOf: [0x22, 0x3A])
        }

        /// A string field, omitted when nil.
        public mutating func field(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            key(name)
            JSONText.writeString(value, into: &output)
        }

        /// An array of strings.
        public mutating func field(_ name: StaticString, _ values: [String]) {
            key(name)
            output.append(0x5B)
            for (index, value) in values.enumerated() {
                if index > 0 { output.append(0x2C) }
                JSONText.writeString(value, into: &output)
            }
            output.append(0x5D)
        }

        /// An integer field, omitted when nil.
        public mutating func field(_ name: StaticString, _ value: Int?) {
            guard let value else { return }
            key(name)
            JSONText.writeInteger(value, into: &output)
        }

        /// A time field (its canonical text), omitted when nil.
        public mutating func field(_ name: StaticString, _ value: EventTime?) {
            guard let value else { return }
            key(name)
            output.append(0x22)
            value.writeCanonical(into: &output)
            output.append(0x22)
        }

        /// Closes the object and hands the bytes back.
        public mutating func finish() -> [UInt8] {
            output.append(0x7D)
            return output
        }
    }
}
