import ZTILink

/// How an AMI support capture is redacted: the whole `Login` action (only its name and ActionID stay), and the
/// value of every `Secret`, `Key`, `Password` and `Challenge` header either way (a challenge and its MD5 key
/// would let the secret be guessed offline).
public enum AMICaptureDialect {
    /// The dialect for ``StreamCapture``.
    public static let dialect = StreamCapture.Dialect(
        suffix: "ami", redactLine: { redact(line: $0) }, redactMessage: { redact(message: $0) })

    static let secretHeaders: Set<String> = ["secret", "key", "password", "challenge"]
    static let redacted = Array("[redacted]".utf8)

    /// One line (with its line end) with a secret header's value replaced.
    public static func redact(line: ArraySlice<UInt8>) -> [UInt8] {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), let name = header(line)?.name,
            secretHeaders.contains(name)
        else { return Array(line) }
        let end = line.firstIndex { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") } ?? line.endIndex
        return Array(line[line.startIndex...colon]) + [UInt8(ascii: " ")] + redacted + Array(line[end...])
    }

    /// One whole action: `Login` reduced to its name and ActionID, any other with its secret headers redacted.
    public static func redact(message: [UInt8]) -> [UInt8] {
        var lines: [ArraySlice<UInt8>] = []
        var start = message.startIndex
        for index in message.indices where message[index] == UInt8(ascii: "\n") {
            lines.append(message[start...index])
            start = index + 1
        }
        if start < message.endIndex { lines.append(message[start...]) }
        let isLogin = lines.contains { header($0).map { $0.name == "action" && $0.value == "login" } ?? false }
        var out: [UInt8] = []
        for line in lines {
            let blank = line.allSatisfy { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }
            if isLogin, !blank, let name = header(line)?.name, name != "action", name != "actionid" { continue }
            out += redact(line: line)
        }
        return out
    }

    /// A header line's lowercased name and value.
    static func header(_ line: ArraySlice<UInt8>) -> (name: String, value: String)? {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        return (lowered(line[line.startIndex..<colon]), lowered(line[(colon + 1)...]))
    }

    /// ASCII-lowercased text without the spaces, tabs and line ends around it.
    static func lowered(_ bytes: ArraySlice<UInt8>) -> String {
        let space: Set<UInt8> = [0x20, 0x09, 0x0D, 0x0A]
        let trimmed = bytes.drop { space.contains($0) }.reversed().drop { space.contains($0) }.reversed()
        return String(decoding: trimmed.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
