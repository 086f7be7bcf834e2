/// One finding about a configuration file: where it is, which key and value, and what was expected.
///
/// Its ``description`` is the line an administrator sees, e.g.
/// `conf/groups/sales.properties:7: pbx.port = "99999": expected a TCP port 1-65535`.
public struct ConfigDiagnostic: Sendable, Equatable, CustomStringConvertible {
    /// Errors stop the configuration from being used; warnings are printed and the configuration runs.
    public enum Severity: String, Sendable, Equatable {
        case error
        case warning
    }

    /// Error or warning.
    public let severity: Severity
    /// The file the finding is about.
    public let file: String
    /// The line of the key, when the key is in the file (absent for a missing key).
    public let line: Int?
    /// The key concerned, if any.
    public let key: String?
    /// The offending value, if any.
    public let value: String?
    /// What is wrong and what was expected.
    public let message: String

    /// Creates a finding.
    public init(
        _ severity: Severity, file: String, line: Int?, key: String?, value: String?, message: String
    ) {
        self.severity = severity
        self.file = file
        self.line = line
        self.key = key
        self.value = value
        self.message = message
    }

    /// The location as `file:line`, or just the file when there is no line.
    public var location: String {
        if let line { return "\(file):\(line)" }
        return file
    }

    /// The line, with every control character of the file's own text escaped (a key, a value or a message may
    /// quote bytes of a broken file) and values cut when long.
    public var description: String {
        var text = location + ": "
        if severity == .warning { text += "warning: " }
        if let key {
            text += Untrusted.shown(key)
            if let value { text += " = \"\(Self.printable(value))\"" }
            text += ": "
        }
        return Untrusted.line(text + message)
    }

    /// A value in quotes: control characters as escapes (so that a value with a CR or NUL cannot forge a log line
    /// or drive a terminal), quotes and backslashes escaped, a long value cut with `…`.
    static func printable(_ value: String) -> String {
        Untrusted.shown(value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\""))
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
