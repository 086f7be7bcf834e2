import FoundationEssentials

/// Pure parsers for the value types of configuration keys. Each returns nil for a value it refuses; the caller
/// turns that into a diagnostic that says what was expected.
public enum ConfigValueParser {
    /// A TCP port, 1-65535, or 0 when `allowZero` (a listener that picks a free port).
    public static func port(_ text: String, allowZero: Bool = false) -> Int? {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy(\.isASCIIDigit), let value = Int(text) else {
            return nil
        }
        return (allowZero ? 0...65535 : 1...65535).contains(value) ? value : nil
    }

    /// A host name (RFC 1123 labels), an IPv4 address, or an IPv6 literal (with or without brackets).
    public static func host(_ text: String) -> String? {
        if text.hasPrefix("[") && text.hasSuffix("]") {
            let inner = String(text.dropFirst().dropLast())
            return isIPv6(inner) ? inner : nil
        }
        if text.contains(":") { return isIPv6(text) ? text : nil }
        if text.allSatisfy({ $0.isASCIIDigit || $0 == "." }) { return isIPv4(text) ? text : nil }
        guard !text.isEmpty, text.utf8.count <= 253 else { return nil }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard (1...63).contains(label.count),
                label.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || $0 == "-" }),
                label.first != "-", label.last != "-"
            else { return nil }
        }
        return text
    }

    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                (1...3).contains(part.count) && part.allSatisfy(\.isASCIIDigit) && Int(part)! <= 255
                    && !(part.count > 1 && part.first == "0")
            }
    }

    static func isIPv6(_ text: String) -> Bool {
        guard text.count >= 2, text.count <= 45, text.contains(":") else { return false }
        var body = Substring(text)
        var groupsNeeded = 8
        if let lastColon = body.lastIndex(of: ":"), body[body.index(after: lastColon)...].contains(".") {
            guard isIPv4(String(body[body.index(after: lastColon)...])) else { return false }
            body = body[...lastColon]
            if body.hasSuffix(":") && !body.hasSuffix("::") { body = body.dropLast() }
            groupsNeeded = 6
        }
        let halves = body.components(separatedBy: "::")
        guard halves.count <= 2 else { return false }
        func groups(_ part: String) -> [Substring]? {
            if part.isEmpty { return [] }
            let items = part.split(separator: ":", omittingEmptySubsequences: false)
            guard items.allSatisfy({ (1...4).contains($0.count) && $0.allSatisfy(\.isHexDigit) }) else { return nil }
            return items
        }
        guard let head = groups(halves[0]) else { return false }
        if halves.count == 2 {
            guard let tail = groups(halves[1]) else { return false }
            return head.count + tail.count < groupsNeeded
        }
        return head.count == groupsNeeded
    }

    /// `HOST:PORT` or `[IPv6]:PORT`; port 0 is allowed (a listener that picks a free port).
    public static func hostPort(_ text: String) -> HostPort? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        let hostPart = String(text[..<colon])
        let portPart = String(text[text.index(after: colon)...])
        if hostPart.contains(":") && !(hostPart.hasPrefix("[") && hostPart.hasSuffix("]")) { return nil }
        guard let host = host(hostPart), let port = port(portPart, allowZero: true) else { return nil }
        return HostPort(host: host, port: port)
    }

    /// A listener's address: `PORT` alone (on loopback, `127.0.0.1`), or `HOST:PORT` / `[IPv6]:PORT` to listen
    /// elsewhere; port 0 picks a free port.
    public static func listenAddress(_ text: String) -> HostPort? {
        if !text.isEmpty, text.allSatisfy(\.isASCIIDigit) {
            return port(text, allowZero: true).map { HostPort(host: "127.0.0.1", port: $0) }
        }
        return hostPort(text)
    }

    /// A duration: a whole number followed by `ms`, `s`, `m`, `h` or `d` (`500ms`, `30s`, `5m`, `30d`).
    public static func duration(_ text: String) -> Duration? {
        let digits = text.prefix(while: \.isASCIIDigit)
        let unit = text.dropFirst(digits.count)
        guard !digits.isEmpty, digits.count <= 12, let amount = Int64(digits) else { return nil }
        switch unit {
        case "ms": return .milliseconds(amount)
        case "s": return .seconds(amount)
        case "m": return .seconds(amount * 60)
        case "h": return .seconds(amount * 3600)
        case "d": return .seconds(amount * 86_400)
        default: return nil
        }
    }

    /// A size in bytes: a whole number, alone or followed by `K`, `M` or `G` (powers of 1024, in any case, an
    /// optional `B` after: `50M`, `512KB`); at least 1 byte and at most 1 TiB.
    public static func byteSize(_ text: String) -> Int? {
        let digits = text.prefix(while: \.isASCIIDigit)
        var unit = text.dropFirst(digits.count).uppercased()
        if unit.hasSuffix("B"), unit.count == 2 { unit.removeLast() }
        guard !digits.isEmpty, digits.count <= 13, let amount = Int(digits), amount > 0 else { return nil }
        let scale: Int
        switch unit {
        case "", "B": scale = 1
        case "K": scale = 1 << 10
        case "M": scale = 1 << 20
        case "G": scale = 1 << 30
        default: return nil
        }
        let (size, overflow) = amount.multipliedReportingOverflow(by: scale)
        guard !overflow, size <= 1 << 40 else { return nil }
        return size
    }

    /// `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`, in any case.
    public static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: return nil
        }
    }

    /// A group name as `useradd`/`sysusers.d` accept it: a letter or `_`, then letters, digits, `_`, `-`, `.`,
    /// at most 32 characters.
    public static func unixGroupName(_ text: String) -> String? {
        guard let first = text.unicodeScalars.first, text.unicodeScalars.count <= 32 else { return nil }
        func isLetter(_ scalar: Unicode.Scalar) -> Bool { ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) }
        guard isLetter(first) || first == "_" else { return nil }
        let valid = text.unicodeScalars.allSatisfy {
            isLetter($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" || $0 == "."
        }
        return valid ? text : nil
    }

    /// A comma-separated list with blanks trimmed and empty items dropped.
    public static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingBlanks() }.filter { !$0.isEmpty }
    }

    /// True when `text` holds a C0 control character or DEL.
    public static func containsControlCharacter(_ text: String) -> Bool {
        // A control character is one byte in UTF-8, and no byte of a longer sequence is below 0x80.
        text.utf8.contains { $0 < 0x20 || $0 == 0x7F }
    }

    /// True when `text` is one or more of the dial characters `0-9 * #`.
    public static func isDialString(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCIIDigit || $0 == "*" || $0 == "#" }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isASCIILetter: Bool { isASCII && isLetter }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingBlanks() -> String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !blank($0) }) else { return "" }
        let last = lastIndex(where: { !blank($0) })!
        return String(self[first...last])
    }
}
