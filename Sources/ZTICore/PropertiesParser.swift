/// The Java `java.util.Properties.load` grammar, as a pure function from bytes to entries.
///
/// Natural lines end in LF, CR or CRLF. A logical line continues while a natural line ends in an odd number of
/// backslashes; the next line's leading whitespace is dropped. Lines whose first non-blank character is `#` or
/// `!` are comments (a continuation line is never a comment). The key ends at the first unescaped `=`, `:` or
/// whitespace; whitespace and at most one `=` or `:` separate it from the value. Escapes: `\t \n \r \f`,
/// `\uXXXX`, and a backslash before any other character stands for that character.
enum PropertiesParser {
    private static let space: Unicode.Scalar = " "
    private static let tab: Unicode.Scalar = "\t"
    private static let formFeed: Unicode.Scalar = "\u{0C}"
    private static let backslash: Unicode.Scalar = "\\"

    private static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        scalar == space || scalar == tab || scalar == formFeed
    }

    private static func isTerminator(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\n" || scalar == "\r"
    }

    static func parse(_ bytes: [UInt8], path: String) -> PropertiesFile {
        if let problem = notText(bytes) {
            return PropertiesFile(
                path: path, entries: [],
                diagnostics: [
                    ConfigDiagnostic(
                        .error, file: path, line: nil, key: nil, value: nil,
                        message: "this is not a text file (\(problem)); a configuration file is UTF-8 or ISO-8859-1 "
                            + "text: is it the right file?")
                ], encoding: .latin1)
        }
        var diagnostics: [ConfigDiagnostic] = []
        let (text, encoding) = decode(bytes)
        if encoding == .latin1 {
            diagnostics.append(
                ConfigDiagnostic(
                    .warning, file: path, line: nil, key: nil, value: nil,
                    message: "the file is not valid UTF-8; it was read as ISO-8859-1 (save it as UTF-8 to silence this)"
                ))
        }
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }

        // A replaced entry is dropped at the end, so duplicates cost no more than other keys.
        var entries: [PropertyEntry?] = []
        var positions: [String: Int] = [:]
        for logical in logicalLines(scalars) {
            if logical.length > maximumLineLength {
                diagnostics.append(
                    ConfigDiagnostic(
                        .error, file: path, line: logical.line, key: nil, value: nil,
                        message: "the line has \(logical.length) characters, more than the \(maximumLineLength) "
                            + "a line may have; it was ignored"))
                continue
            }
            switch split(logical.content) {
            case .success(let pair):
                if let previous = positions[pair.key], let replaced = entries[previous] {
                    diagnostics.append(
                        ConfigDiagnostic(
                            .warning, file: path, line: logical.line, key: pair.key, value: nil,
                            message: "duplicate key; this value replaces the one on line \(replaced.line)"))
                    entries[previous] = nil
                }
                positions[pair.key] = entries.count
                entries.append(PropertyEntry(key: pair.key, value: pair.value, line: logical.line))
            case .failure(let problem):
                diagnostics.append(
                    ConfigDiagnostic(
                        .error, file: path, line: logical.line, key: nil, value: nil, message: problem.message))
            }
        }
        return PropertiesFile(
            path: path, entries: entries.compactMap { $0 }, diagnostics: diagnostics, encoding: encoding)
    }

    /// Why `bytes` are not text, if they are not: a NUL, or more than 1% C0 control bytes other than tab, LF, CR
    /// and FF.
    static func notText(_ bytes: [UInt8]) -> String? {
        var controls = 0
        for byte in bytes where byte < 0x20 {
            switch byte {
            case 0: return "it contains NUL bytes"
            case 0x09, 0x0A, 0x0C, 0x0D: continue
            default: controls += 1
            }
        }
        guard controls * 100 > bytes.count else { return nil }
        return "\(controls) of its \(bytes.count) bytes are control characters"
    }

    /// UTF-8 when the bytes are valid UTF-8, else ISO-8859-1, where every byte is the code point of the same
    /// value, so nothing is lost.
    static func decode(_ bytes: [UInt8]) -> (String, PropertiesFile.Encoding) {
        if let text = String(validating: bytes, as: UTF8.self) {
            return (text, .utf8)
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return (String(view), .latin1)
    }

    struct LogicalLine {
        let line: Int
        let content: [Unicode.Scalar]
        /// The characters the line had (more than `content` when it was too long to keep).
        var length = 0
    }

    /// The longest logical line kept, in characters; a longer one is an error and ignored.
    static let maximumLineLength = 65_536

    /// Splits the text into logical lines, skipping blank and comment lines, joining continuations.
    static func logicalLines(_ scalars: [Unicode.Scalar]) -> [LogicalLine] {
        var result: [LogicalLine] = []
        var position = 0
        var lineNumber = 1
        let count = scalars.count

        // Consumes one terminator at `position` (CRLF counts as one) and advances the line counter.
        func consumeTerminator() {
            if scalars[position] == "\r", position + 1 < count, scalars[position + 1] == "\n" {
                position += 2
            } else {
                position += 1
            }
            lineNumber += 1
        }

        while position < count {
            while position < count, isBlank(scalars[position]) { position += 1 }
            guard position < count else { break }
            if isTerminator(scalars[position]) {
                consumeTerminator()
                continue
            }
            if scalars[position] == "#" || scalars[position] == "!" {
                while position < count, !isTerminator(scalars[position]) { position += 1 }
                if position < count { consumeTerminator() }
                continue
            }
            let startLine = lineNumber
            var content: [Unicode.Scalar] = []
            var length = 0
            var precedingBackslash = false
            while position < count {
                let scalar = scalars[position]
                if !isTerminator(scalar) {
                    // Past the limit the line is only measured, not kept: memory stays bounded whatever its size.
                    length += 1
                    if length <= maximumLineLength { content.append(scalar) }
                    precedingBackslash = scalar == backslash ? !precedingBackslash : false
                    position += 1
                    continue
                }
                guard precedingBackslash else { break }
                // A continuation: drop the backslash, the terminator and the next line's leading blanks.
                content.removeLast()
                precedingBackslash = false
                consumeTerminator()
                while position < count, isBlank(scalars[position]) { position += 1 }
            }
            if position >= count, precedingBackslash, length <= maximumLineLength {
                // Java drops a lone backslash before the end of the file.
                content.removeLast()
            }
            if position < count { consumeTerminator() }
            result.append(
                LogicalLine(line: startLine, content: length > maximumLineLength ? [] : content, length: length))
        }
        return result
    }

    struct SyntaxProblem: Error {
        let message: String
    }

    /// Splits a logical line into its key and value and resolves their escapes.
    static func split(_ line: [Unicode.Scalar]) -> Result<(key: String, value: String), SyntaxProblem> {
        var keyEnd = 0
        var valueStart = line.count
        var hasSeparator = false
        var precedingBackslash = false
        while keyEnd < line.count {
            let scalar = line[keyEnd]
            if (scalar == "=" || scalar == ":") && !precedingBackslash {
                valueStart = keyEnd + 1
                hasSeparator = true
                break
            }
            if isBlank(scalar) && !precedingBackslash {
                valueStart = keyEnd + 1
                break
            }
            precedingBackslash = scalar == backslash ? !precedingBackslash : false
            keyEnd += 1
        }
        while valueStart < line.count {
            let scalar = line[valueStart]
            if !isBlank(scalar) {
                if !hasSeparator && (scalar == "=" || scalar == ":") {
                    hasSeparator = true
                } else {
                    break
                }
            }
            valueStart += 1
        }
        do {
            let key = try unescape(line[0..<keyEnd])
            let value = try unescape(line[valueStart...])
            return .success((key, value))
        } catch {
            return .failure(error)
        }
    }

    /// Resolves `\t \n \r \f \uXXXX` and `\x` (any other character stands for itself).
    static func unescape(_ scalars: ArraySlice<Unicode.Scalar>) throws(SyntaxProblem) -> String {
        var out = String.UnicodeScalarView()
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            index += 1
            guard scalar == backslash, index < scalars.endIndex else {
                if scalar != backslash { out.append(scalar) }
                continue
            }
            let escaped = scalars[index]
            index += 1
            switch escaped {
            case "t": out.append("\t")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "f": out.append(formFeed)
            case "u":
                guard scalars.endIndex - index >= 4 else {
                    throw SyntaxProblem(message: "malformed \\uXXXX escape: it needs four hexadecimal digits")
                }
                let digits = String(String.UnicodeScalarView(scalars[index..<index + 4]))
                guard digits.allSatisfy(\.isHexDigit), let code = UInt32(digits, radix: 16) else {
                    throw SyntaxProblem(
                        message: "malformed \\uXXXX escape \"\\u\(digits)\": expected four hexadecimal digits")
                }
                index += 4
                // A UTF-16 surrogate pair arrives as two escapes; join them, as Java's char array would.
                if (0xD800...0xDBFF).contains(code), scalars.endIndex - index >= 6,
                    scalars[index] == backslash, scalars[index + 1] == "u",
                    let low = UInt32(String(String.UnicodeScalarView(scalars[index + 2..<index + 6])), radix: 16),
                    (0xDC00...0xDFFF).contains(low),
                    let joined = Unicode.Scalar(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
                {
                    out.append(joined)
                    index += 6
                } else if let decoded = Unicode.Scalar(code) {
                    out.append(decoded)
                } else {
                    throw SyntaxProblem(message: "\\u\(digits) is a lone UTF-16 surrogate, not a character")
                }
            default:
                out.append(escaped)
            }
        }
        return String(out)
    }
}
