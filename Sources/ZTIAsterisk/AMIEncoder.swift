/// The AMI codec's writing half: actions to bytes, refusing anything that could change the message's structure.
///
/// Asterisk reads at most 1024 bytes per line (a longer line is dropped and the action runs without that header)
/// and at most 128 headers per action, and CR, LF or NUL in a value would end the header or the action early. So
/// every key and value is checked, and an action that breaks a rule is refused as a whole.
public enum AMIEncoder {
    /// Lines, CRLF included, must stay below this many bytes.
    public static let maximumLineBytes = 1024
    /// Asterisk's `AST_MAX_MANHEADERS`.
    public static let maximumHeaders = 128

    /// The bytes of `action`, CRLF line ends, ending with an empty line.
    ///
    /// - Throws: ``ZTIAsteriskError/Code/actionRefused`` naming the header and the rule it breaks.
    public static func encode(_ action: AMIAction) throws(ZTIAsteriskError) -> [UInt8] {
        var lines: [AMIHeader] = [AMIHeader("Action", action.name)]
        if let actionID = action.actionID { lines.append(AMIHeader("ActionID", actionID)) }
        lines += action.headers
        for variable in action.variables {
            try check(name: "Variable", value: variable.name, action: action.name)
            if variable.name.isEmpty || variable.name.contains("=") {
                throw ZTIAsteriskError(
                    .actionRefused, "\(action.name): variable name \"\(shown(variable.name))\" is empty or holds '='")
            }
            lines.append(AMIHeader("Variable", "\(variable.name)=\(variable.value)"))
        }
        guard lines.count <= maximumHeaders else {
            throw ZTIAsteriskError(
                .actionRefused, "\(action.name): \(lines.count) headers, over Asterisk's limit of \(maximumHeaders)")
        }
        var bytes: [UInt8] = []
        for line in lines {
            try check(name: line.name, value: line.value, action: action.name)
            guard !line.name.isEmpty, !line.name.utf8.contains(0x3A), !line.name.utf8.contains(0x20) else {
                throw ZTIAsteriskError(
                    .actionRefused,
                    "\(action.name): header name \"\(shown(line.name))\" is empty or holds ':' or a space")
            }
            let length = line.name.utf8.count + 2 + line.value.utf8.count + 2
            guard length < maximumLineBytes else {
                throw ZTIAsteriskError(
                    .actionRefused,
                    "\(action.name): the \(line.name) line would be \(length) bytes; Asterisk drops lines of "
                        + "\(maximumLineBytes) bytes or more")
            }
            bytes += line.name.utf8
            bytes += [0x3A, 0x20]
            bytes += line.value.utf8
            bytes += [0x0D, 0x0A]
        }
        bytes += [0x0D, 0x0A]
        return bytes
    }

    private static func check(name: String, value: String, action: String) throws(ZTIAsteriskError) {
        for text in [name, value] where text.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }) {
            throw ZTIAsteriskError(
                .actionRefused,
                "\(action): the \(shown(name)) header holds CR, LF or NUL, which would inject AMI headers")
        }
    }

    /// At most 40 characters of `text`, control characters escaped, for messages.
    static func shown(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(40) {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return text.unicodeScalars.count > 40 ? out + "…" : out
    }
}
