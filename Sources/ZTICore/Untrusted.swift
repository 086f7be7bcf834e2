/// Text that came from outside (a file, the PBX, an HTTP request) made safe to print in a message or a log line:
/// control characters (C0, DEL and C1, which terminals read as escape sequences) become `\u00XX`, and a long value
/// is cut with `…`, so that no input can forge a log line, drive a terminal or flood a message.
public enum Untrusted {
    /// The longest value shown, in Unicode scalars, before it is cut.
    public static let shownLimit = 160

    /// `value` with control characters escaped and cut after `limit` scalars.
    public static func shown(_ value: some StringProtocol, limit: Int = shownLimit) -> String {
        var out = ""
        var count = 0
        for scalar in value.unicodeScalars {
            if count == limit {
                out += "…"
                break
            }
            count += 1
            if isControl(scalar) {
                out += escaped(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A whole message of our own that quotes outside values: only its control characters are escaped.
    public static func line(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) { out += escaped(scalar) } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    static func escaped(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
