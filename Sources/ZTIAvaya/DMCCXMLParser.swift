#if canImport(Glibc)
import Glibc
#endif
#if canImport(ZTICore)
import ZTICore
#endif

/// Parses one DMCC document into a ``DMCCElement`` tree, by local names: namespace prefixes are dropped and
/// undeclared ones tolerated, as AES's own clients rely on. Documents with a DOCTYPE are refused (AES sends none,
/// and entity definitions are how XML documents are made to explode).
///
/// A byte-level reader of the XML that DMCC uses, in one pass: the declaration, processing instructions and
/// comments are skipped; elements, attributes (whitespace-normalized), character data, CDATA sections, the five
/// predefined entities and character references are read; line ends become LF. Anything not well-formed is an
/// error that says what and where; nothing in the input can crash it or make it use more than the document's size.
public enum DMCCXMLParser {
    /// Elements nested deeper than this are refused (DMCC messages are about 10 deep).
    public static let maximumDepth = 64

    /// The document's root element.
    ///
    /// - Throws: ``ZTIAvayaError`` (`xmlMalformed`) naming what was wrong.
    public static func parse(_ bytes: [UInt8]) throws(ZTIAvayaError) -> DMCCElement {
        if bytes.count < 2 {
            throw ZTIAvayaError(.xmlMalformed, "an empty DMCC message (no XML document)")
        }
        if Self.containsDoctype(bytes) {
            throw ZTIAvayaError(.xmlMalformed, "a DMCC message with a DOCTYPE (refused: AES sends none)")
        }
        let read: Result<DMCCElement, ZTIAvayaError> = bytes.withUnsafeBufferPointer { buffer in
            if !ASCIIBytes.isASCII(buffer) && String(validating: buffer, as: UTF8.self) == nil {
                return .failure(
                    ZTIAvayaError(.xmlMalformed, "a DMCC message that is not valid UTF-8 (AES sends UTF-8)"))
            }
            var reader = Reader(buffer)
            return Result { () throws(ZTIAvayaError) in try reader.document() }
        }
        return try read.get()
    }

    static func containsDoctype(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return false }
            let marker: StaticString = "<!DOCTYPE"
            var offset = 0
            while offset + marker.utf8CodeUnitCount <= buffer.count {
                guard let found = memchr(base + offset, 0x3C, buffer.count - offset) else { return false }
                let start = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                guard start + marker.utf8CodeUnitCount <= buffer.count else { return false }
                var matches = true
                for index in 0..<marker.utf8CodeUnitCount
                where buffer[start + index] & 0xDF != marker.utf8Start[index] & 0xDF {
                    matches = false
                    break
                }
                if matches { return true }
                offset = start + 1
            }
            return false
        }
    }

    static func localName(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    /// The reader's position in one document and the elements open at it.
    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0
        /// The open elements, and (apart, so that reading the innermost name copies no element) their qualified
        /// names as written: an end tag must repeat one exactly.
        var open: [DMCCElement] = []
        var openNames: [Range<Int>] = []

        init(_ bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        func failure(_ what: String) -> ZTIAvayaError {
            ZTIAvayaError(.xmlMalformed, "a DMCC message is not well-formed XML (\(what), at byte \(position))")
        }

        func startsWith(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            return bytes.count - position >= count
                && memcmp(bytes.baseAddress! + position, literal.utf8Start, count) == 0
        }

        /// Moves past `terminator`, which must come; the bytes before it are returned.
        mutating func skip(to terminator: StaticString, what: String) throws(ZTIAvayaError) -> Range<Int> {
            let start = position
            while position < bytes.count {
                if bytes[position] == terminator.utf8Start[0] && startsWith(terminator) {
                    let content = start..<position
                    position += terminator.utf8CodeUnitCount
                    return content
                }
                position += 1
            }
            throw failure("\(what) is not closed")
        }

        mutating func skipWhitespace() {
            while position < bytes.count, Self.isWhitespace(bytes[position]) { position += 1 }
        }

        static func isWhitespace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
        }

        static func isNameByte(_ byte: UInt8, first: Bool) -> Bool {
            switch byte {
            case 0x41...0x5A, 0x61...0x7A, 0x5F, 0x3A, 0x80...0xFF: true
            case 0x30...0x39, 0x2D, 0x2E: !first
            default: false
            }
        }

        mutating func name() throws(ZTIAvayaError) -> Range<Int> {
            let start = position
            guard position < bytes.count, Self.isNameByte(bytes[position], first: true) else {
                throw failure("a name was expected")
            }
            position += 1
            while position < bytes.count, Self.isNameByte(bytes[position], first: false) { position += 1 }
            return start..<position
        }

        func text(_ range: Range<Int>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }

        func local(_ range: Range<Int>) -> String {
            var start = range.upperBound
            while start > range.lowerBound && bytes[start - 1] != 0x3A { start -= 1 }
            return text(start..<range.upperBound)
        }

        mutating func document() throws(ZTIAvayaError) -> DMCCElement {
            if startsWith("\u{FEFF}") { position += 3 }
            let declarationOffset = position
            var root: DMCCElement?
            while true {
                skipWhitespace()
                guard position < bytes.count else { break }
                guard bytes[position] == 0x3C else {
                    throw failure(root == nil ? "text before the root element" : "text after the root element")
                }
                if startsWith("<?") {
                    try processingInstruction(atStart: position == declarationOffset)
                } else if startsWith("<!--") {
                    try comment()
                } else if root == nil {
                    root = try element()
                } else {
                    throw failure("a second root element")
                }
            }
            guard let root else { throw failure("no root element") }
            return root
        }

        /// `<?target …?>`; the target `xml` is the declaration, which may only open the document and is checked:
        /// `version="1.x"`, then optionally `encoding`, then optionally `standalone`.
        mutating func processingInstruction(atStart: Bool) throws(ZTIAvayaError) {
            // The declaration AES writes on every message, recognised in one comparison.
            if atStart && startsWith(#"<?xml version="1.0" encoding="UTF-8"?>"#) {
                position += 38
                return
            }
            position += 2
            let target = try name()
            let isDeclaration = target.count == 3 && text(target).lowercased() == "xml"
            guard isDeclaration else {
                guard position < bytes.count, Self.isWhitespace(bytes[position]) || startsWith("?>") else {
                    throw failure("a malformed processing instruction")
                }
                _ = try skip(to: "?>", what: "a processing instruction")
                return
            }
            guard atStart, text(target) == "xml" else { throw failure("an XML declaration that is not at the start") }
            var pseudo: [(String, String)] = []
            while true {
                let hadSpace = position < bytes.count && Self.isWhitespace(bytes[position])
                skipWhitespace()
                if startsWith("?>") {
                    position += 2
                    break
                }
                guard hadSpace else { throw failure("a malformed XML declaration") }
                let key = text(try name())
                skipWhitespace()
                guard position < bytes.count, bytes[position] == 0x3D else {
                    throw failure("a malformed XML declaration")
                }
                position += 1
                skipWhitespace()
                guard position < bytes.count, bytes[position] == 0x22 || bytes[position] == 0x27 else {
                    throw failure("a malformed XML declaration")
                }
                let quote = bytes[position]
                position += 1
                let start = position
                while position < bytes.count && bytes[position] != quote && bytes[position] != 0x3C { position += 1 }
                guard position < bytes.count, bytes[position] == quote else {
                    throw failure("a malformed XML declaration")
                }
                pseudo.append((key, text(start..<position)))
                position += 1
            }
            let order = ["version", "encoding", "standalone"]
            var last = -1
            for (key, value) in pseudo {
                guard let index = order.firstIndex(of: key), index > last else {
                    throw failure("a malformed XML declaration")
                }
                last = index
                let valid: Bool
                switch key {
                case "version":
                    valid =
                        value.hasPrefix("1.") && value.count > 2
                        && value.dropFirst(2).allSatisfy(\.isASCIIDigitCharacter)
                case "encoding":
                    // The bytes are read as UTF-8 (checked before): a declaration naming another encoding is refused.
                    valid = ["utf-8", "utf8", "us-ascii", "ascii"].contains(value.lowercased())
                default: valid = value == "yes" || value == "no"
                }
                guard valid else { throw failure("a malformed XML declaration") }
            }
            guard pseudo.first?.0 == "version" else { throw failure("an XML declaration without a version") }
        }

        mutating func comment() throws(ZTIAvayaError) {
            position += 4
            _ = try skip(to: "--", what: "a comment")
            guard position < bytes.count, bytes[position] == 0x3E else { throw failure("'--' inside a comment") }
            position += 1
        }

        /// The element whose `<` is at `position`, read to its end tag without recursion.
        mutating func element() throws(ZTIAvayaError) -> DMCCElement {
            if let empty = try startTag() { return empty }
            while let topName = openNames.last {
                guard position < bytes.count else {
                    throw failure("the document ends before </\(text(topName))>")
                }
                if bytes[position] != 0x3C {
                    try characterData()
                } else if startsWith("</") {
                    position += 2
                    let name = try name()
                    skipWhitespace()
                    guard position < bytes.count, bytes[position] == 0x3E else {
                        throw failure("an end tag is not closed")
                    }
                    position += 1
                    guard name.count == topName.count,
                        memcmp(
                            bytes.baseAddress! + name.lowerBound, bytes.baseAddress! + topName.lowerBound, name.count)
                            == 0
                    else { throw failure("</\(text(name))> closes <\(text(topName))>") }
                    openNames.removeLast()
                    let finished = open.removeLast()
                    if open.isEmpty { return finished }
                    open[open.count - 1].children.append(finished)
                } else if startsWith("<!--") {
                    try comment()
                } else if startsWith("<![CDATA[") {
                    position += 9
                    let content = try skip(to: "]]>", what: "a CDATA section")
                    try appendText(content, decodingReferences: false)
                } else if startsWith("<?") {
                    try processingInstruction(atStart: false)
                } else if startsWith("<!") {
                    throw failure("a declaration inside an element")
                } else if let empty = try startTag() {
                    open[open.count - 1].children.append(empty)
                }
            }
            throw failure("no root element")
        }

        /// A start tag: its element is pushed open, or, for `<a/>`, returned.
        mutating func startTag() throws(ZTIAvayaError) -> DMCCElement? {
            guard open.count < DMCCXMLParser.maximumDepth else {
                throw ZTIAvayaError(
                    .xmlMalformed, "a DMCC message nests elements deeper than \(DMCCXMLParser.maximumDepth)")
            }
            position += 1
            let qualifiedName = try name()
            var attributes: [DMCCElement.Attribute] = []
            var seen: [Range<Int>] = []
            while true {
                let hadSpace = position < bytes.count && Self.isWhitespace(bytes[position])
                skipWhitespace()
                guard position < bytes.count else { throw failure("a start tag is not closed") }
                if bytes[position] == 0x3E {
                    position += 1
                    break
                }
                if bytes[position] == 0x2F {
                    guard position + 1 < bytes.count, bytes[position + 1] == 0x3E else {
                        throw failure("'/' inside a start tag")
                    }
                    position += 2
                    return DMCCElement(local(qualifiedName), attributes: Self.sorted(attributes))
                }
                guard hadSpace else { throw failure("attributes must be separated by white space") }
                let attributeName = try name()
                for previous in seen
                where previous.count == attributeName.count
                    && memcmp(
                        bytes.baseAddress! + previous.lowerBound, bytes.baseAddress! + attributeName.lowerBound,
                        previous.count) == 0
                {
                    throw failure("the attribute \(text(attributeName)) appears twice")
                }
                seen.append(attributeName)
                skipWhitespace()
                guard position < bytes.count, bytes[position] == 0x3D else { throw failure("'=' was expected") }
                position += 1
                skipWhitespace()
                guard position < bytes.count, bytes[position] == 0x22 || bytes[position] == 0x27 else {
                    throw failure("an attribute value must be quoted")
                }
                let value = try attributeValue(quote: bytes[position])
                let written = text(attributeName)
                if !written.hasPrefix("xmlns") {
                    attributes.append(DMCCElement.Attribute(local(attributeName), value))
                }
            }
            open.append(DMCCElement(local(qualifiedName), attributes: Self.sorted(attributes)))
            openNames.append(qualifiedName)
            return nil
        }

        static func sorted(_ attributes: [DMCCElement.Attribute]) -> [DMCCElement.Attribute] {
            attributes.count < 2 ? attributes : attributes.sorted { $0.name < $1.name }
        }

        mutating func attributeValue(quote: UInt8) throws(ZTIAvayaError) -> String {
            position += 1
            var value: [UInt8] = []
            while position < bytes.count {
                let byte = bytes[position]
                switch byte {
                case quote:
                    position += 1
                    return String(decoding: value, as: UTF8.self)
                case 0x3C: throw failure("'<' inside an attribute value")
                case 0x26: try reference(into: &value)
                case 0x0D:
                    // CR LF is one line end, and every line end or tab in a value is a space.
                    position += position + 1 < bytes.count && bytes[position + 1] == 0x0A ? 2 : 1
                    value.append(0x20)
                case 0x0A, 0x09:
                    position += 1
                    value.append(0x20)
                default:
                    guard byte >= 0x20 else { throw failure("a control character inside an attribute value") }
                    value.append(byte)
                    position += 1
                }
            }
            throw failure("an attribute value is not closed")
        }

        /// Text up to the next `<`, appended to the open element.
        mutating func characterData() throws(ZTIAvayaError) {
            let start = position
            if let found = memchr(bytes.baseAddress! + position, 0x3C, bytes.count - position) {
                position = bytes.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
            } else {
                position = bytes.count
            }
            try appendText(start..<position, decodingReferences: true)
        }

        mutating func appendText(_ range: Range<Int>, decodingReferences: Bool) throws(ZTIAvayaError) {
            var plain = true
            for index in range {
                let byte = bytes[index]
                if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D {
                    position = index
                    throw failure("a control character in the text")
                }
                if byte == 0x0D || (byte == 0x26 && decodingReferences)
                    || (byte == 0xEF && Self.isNonCharacter(bytes, index))
                {
                    plain = false
                }
            }
            if plain {
                open[open.count - 1].text += text(range)
                return
            }
            var value: [UInt8] = []
            value.reserveCapacity(range.count)
            let end = position
            position = range.lowerBound
            while position < range.upperBound {
                let byte = bytes[position]
                if byte == 0x26 && decodingReferences {
                    try reference(into: &value)
                } else if byte == 0x0D {
                    position += position + 1 < range.upperBound && bytes[position + 1] == 0x0A ? 2 : 1
                    value.append(0x0A)
                } else if byte == 0xEF && Self.isNonCharacter(bytes, position) {
                    throw failure("U+FFFE or U+FFFF in the text")
                } else {
                    value.append(byte)
                    position += 1
                }
            }
            position = end
            open[open.count - 1].text += String(decoding: value, as: UTF8.self)
        }

        /// U+FFFE and U+FFFF, which XML forbids (EF BF BE, EF BF BF).
        static func isNonCharacter(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int) -> Bool {
            index + 2 < bytes.count && bytes[index + 1] == 0xBF
                && (bytes[index + 2] == 0xBE || bytes[index + 2] == 0xBF)
        }

        /// `&name;` or `&#…;` at `position`, its character appended as UTF-8.
        mutating func reference(into value: inout [UInt8]) throws(ZTIAvayaError) {
            let start = position
            guard let semicolon = (position..<min(bytes.count, position + 12)).first(where: { bytes[$0] == 0x3B })
            else {
                throw failure("'&' that starts no entity or character reference")
            }
            let body = UnsafeBufferPointer(rebasing: bytes[(position + 1)..<semicolon])
            position = semicolon + 1
            if body.first == 0x23 {
                var scalarValue: UInt32 = 0
                let hex = body.count > 1 && body[1] == 0x78
                let digits = body.dropFirst(hex ? 2 : 1)
                guard !digits.isEmpty else { throw failure("an empty character reference") }
                for digit in digits {
                    let number: UInt32
                    switch digit {
                    case 0x30...0x39: number = UInt32(digit - 0x30)
                    case 0x41...0x46 where hex: number = UInt32(digit - 0x41 + 10)
                    case 0x61...0x66 where hex: number = UInt32(digit - 0x61 + 10)
                    default: throw failure("a malformed character reference")
                    }
                    scalarValue = scalarValue * (hex ? 16 : 10) + number
                }
                guard let scalar = Unicode.Scalar(scalarValue), Self.isXMLCharacter(scalar) else {
                    position = start
                    throw failure("a character reference to a character XML forbids")
                }
                value.append(contentsOf: String(scalar).utf8)
                return
            }
            switch String(decoding: body, as: UTF8.self) {
            case "amp": value.append(0x26)
            case "lt": value.append(0x3C)
            case "gt": value.append(0x3E)
            case "quot": value.append(0x22)
            case "apos": value.append(0x27)
            default:
                position = start
                throw failure("the entity &\(String(decoding: body, as: UTF8.self)); is not defined")
            }
        }

        static func isXMLCharacter(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.value {
            case 0x09, 0x0A, 0x0D, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
            default: false
            }
        }
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
