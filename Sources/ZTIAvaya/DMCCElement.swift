/// An XML element of a DMCC message, reduced to what DMCC needs: the local name (prefixes dropped, as AES and its
/// clients match on local names), attributes in order, child elements, and the text directly inside it.
public struct DMCCElement: Sendable, Equatable {
    /// One attribute; `xmlns` and `xmlns:p` declarations are attributes too when writing.
    public struct Attribute: Sendable, Equatable {
        public let name: String
        public let value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var name: String
    public var attributes: [Attribute]
    public var children: [DMCCElement]
    public var text: String

    /// An element; `text` is its character data (escaped when written).
    public init(_ name: String, attributes: [Attribute] = [], text: String = "", children: [DMCCElement] = []) {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// The first child named `name`.
    public func child(_ name: String) -> DMCCElement? {
        children.first { $0.name == name }
    }

    /// The element at `path` below this one, one child name per step.
    public func child(at path: String...) -> DMCCElement? {
        var current: DMCCElement? = self
        for name in path { current = current?.child(name) }
        return current
    }

    /// The first element named `name` at any depth below this one (depth first, in document order).
    public func first(_ name: String) -> DMCCElement? {
        for child in children {
            if child.name == name { return child }
            if let found = child.first(name) { return found }
        }
        return nil
    }

    /// The value of the attribute `name` (its local name).
    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    /// The same tree with the text of every `password` element replaced, for frame dumps and logs.
    public func redactingPasswords() -> DMCCElement {
        var copy = self
        if copy.name.hasSuffix("password") && !copy.text.isEmpty { copy.text = "********" }
        copy.children = children.map { $0.redactingPasswords() }
        return copy
    }

    /// The text with surrounding white space removed.
    public var trimmedText: String {
        // ASCII white space, the only kind AES writes, is trimmed byte by byte; a non-ASCII character at an edge
        // is left to the Unicode definition.
        let bytes = text.utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        func isASCIISpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        while start < end, isASCIISpace(bytes[start]) { start = bytes.index(after: start) }
        while end > start, isASCIISpace(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        let trimmed = text[start..<end]
        guard let first = trimmed.utf8.first, let last = trimmed.utf8.last, first >= 0x80 || last >= 0x80 else {
            return start == bytes.startIndex && end == bytes.endIndex ? text : String(trimmed)
        }
        return String(trimmed.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    /// The document: an XML declaration and this element, every text and attribute value escaped.
    public var document: String {
        var output = #"<?xml version="1.0" encoding="UTF-8"?>"#
        write(to: &output)
        return output
    }

    private func write(to output: inout String) {
        output += "<" + name
        for attribute in attributes {
            output += " " + attribute.name + "=\"" + Self.escape(attribute.value, quotes: true) + "\""
        }
        if children.isEmpty && text.isEmpty {
            output += "/>"
            return
        }
        output += ">" + Self.escape(text, quotes: false)
        for child in children { child.write(to: &output) }
        output += "</" + name + ">"
    }

    /// Escapes markup characters, so no value can change the document's structure; characters XML 1.0 forbids
    /// (control characters other than tab, CR and LF) become U+FFFD.
    public static func escape(_ text: String, quotes: Bool) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"" where quotes: output += "&quot;"
            case "'" where quotes: output += "&apos;"
            case "\t", "\n", "\r":
                output.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value) {
                    output += "\u{FFFD}"
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output
    }
}
