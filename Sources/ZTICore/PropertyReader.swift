import FoundationEssentials
import Glibc

/// Typed access to the keys of one `.properties` file that collects a diagnostic for every bad or missing value
/// instead of stopping at the first, and remembers which keys were read so that the rest can be reported as
/// unknown.
struct PropertyReader {
    let file: PropertiesFile
    private(set) var diagnostics: [ConfigDiagnostic]
    private(set) var consumed: Set<String> = []

    init(_ file: PropertiesFile) {
        self.file = file
        self.diagnostics = file.diagnostics
    }

    var path: String { file.path }

    /// The entry, marking the key as known. An empty value counts as unset.
    mutating func entry(_ key: String) -> PropertyEntry? {
        consumed.insert(key)
        guard let entry = file[key], !entry.value.trimmingBlanks().isEmpty else { return nil }
        return entry
    }

    mutating func error(_ entry: PropertyEntry, _ message: String) {
        diagnostics.append(
            ConfigDiagnostic(.error, file: path, line: entry.line, key: entry.key, value: entry.value, message: message)
        )
    }

    mutating func warning(_ entry: PropertyEntry, _ message: String, showValue: Bool = true) {
        diagnostics.append(
            ConfigDiagnostic(
                .warning, file: path, line: entry.line, key: entry.key, value: showValue ? entry.value : nil,
                message: message))
    }

    mutating func missing(_ key: String, expected: String) {
        diagnostics.append(
            ConfigDiagnostic(
                .error, file: path, line: nil, key: key, value: nil, message: "missing: expected \(expected)"))
    }

    mutating func add(_ diagnostic: ConfigDiagnostic) {
        diagnostics.append(diagnostic)
    }

    /// A trimmed string without control characters.
    mutating func string(_ key: String, required: Bool = false, expected: String) -> String? {
        guard let entry = entry(key) else {
            if required { missing(key, expected: expected) }
            return nil
        }
        let value = entry.value.trimmingBlanks()
        if ConfigValueParser.containsControlCharacter(value) {
            error(entry, "the value contains a control character; expected \(expected)")
            return nil
        }
        return value
    }

    /// Parses with `parse`; a refused value becomes "expected …", an unset one the default.
    mutating func typed<T>(
        _ key: String, default defaultValue: T?, required: Bool = false, expected: String,
        _ parse: (String) -> T?
    ) -> T? {
        guard let entry = entry(key) else {
            if required { missing(key, expected: expected) }
            return defaultValue
        }
        guard let value = parse(entry.value.trimmingBlanks()) else {
            error(entry, "expected \(expected)")
            return required ? nil : defaultValue
        }
        return value
    }

    mutating func port(_ key: String, default defaultValue: Int?, allowZero: Bool = false) -> Int? {
        let expected = allowZero ? "a TCP port number from 0 to 65535" : "a TCP port number from 1 to 65535"
        return typed(key, default: defaultValue, expected: expected) {
            ConfigValueParser.port($0, allowZero: allowZero)
        }
    }

    mutating func bool(_ key: String, default defaultValue: Bool) -> Bool {
        typed(key, default: defaultValue, expected: "true or false", ConfigValueParser.bool) ?? defaultValue
    }

    mutating func duration(_ key: String, default defaultValue: Duration, minimum: Duration = .milliseconds(1))
        -> Duration
    {
        let expected = "a duration such as 500ms, 30s, 5m, 1h or 30d"
        guard let entry = entry(key) else { return defaultValue }
        guard let value = ConfigValueParser.duration(entry.value.trimmingBlanks()) else {
            error(entry, "expected \(expected)")
            return defaultValue
        }
        guard value >= minimum else {
            error(entry, "expected a duration of at least \(Self.format(minimum))")
            return defaultValue
        }
        return value
    }

    mutating func integer(_ key: String, default defaultValue: Int, range: ClosedRange<Int>) -> Int {
        typed(key, default: defaultValue, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)") {
            text in
            guard text.count <= 18, let value = Int(text), range.contains(value) else { return nil }
            return value
        } ?? defaultValue
    }

    mutating func choice<E: RawRepresentable & CaseIterable>(
        _ key: String, default defaultValue: E?, required: Bool = false
    )
        -> E? where E.RawValue == String
    {
        let names = E.allCases.map(\.rawValue)
        let expected = names.dropLast().joined(separator: ", ") + " or " + names.last!
        return typed(key, default: defaultValue, required: required, expected: expected) {
            E(rawValue: $0.lowercased())
        }
    }

    /// A path; a relative one resolves against `base`.
    mutating func path(_ key: String, default defaultValue: String?, relativeTo base: String) -> String? {
        guard let value = string(key, expected: "a file system path") else {
            return defaultValue.map { Self.resolve($0, against: base) }
        }
        return Self.resolve(value, against: base)
    }

    static func resolve(_ path: String, against base: String) -> String {
        path.hasPrefix("/") ? path : (base.hasSuffix("/") ? base + path : base + "/" + path)
    }

    static func format(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 != 0 { return "\(milliseconds)ms" }
        let seconds = milliseconds / 1000
        if seconds % 86_400 == 0 { return "\(seconds / 86_400)d" }
        if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    /// A warning for every key that was never read, with the nearest known key as a suggestion.
    mutating func reportUnknownKeys(known: [String], extraMessage: (String) -> String? = { _ in nil }) {
        for entry in file.entries where !consumed.contains(entry.key) {
            var message = "unknown key, ignored"
            if let extra = extraMessage(entry.key) {
                message = extra
            } else if let suggestion = KeySuggester.suggestion(for: entry.key, among: known) {
                message += "; did you mean \(suggestion)?"
            }
            warning(entry, message, showValue: false)
        }
    }

    /// The path of an existing regular file named by `key`, resolved against `confDir`; an error when it is missing.
    mutating func existingFile(_ key: String, confDir: String, what: String) -> String? {
        guard let entry = entry(key) else { return nil }
        let path = PropertyReader.resolve(entry.value.trimmingBlanks(), against: confDir)
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT != S_IFDIR else {
            error(entry, "expected \(what), but \(path) does not exist")
            return nil
        }
        return path
    }
}
