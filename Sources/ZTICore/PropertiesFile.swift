import FoundationEssentials

/// A parsed Java `.properties` file: its keys in file order, each with its line, plus what the parser noticed.
///
/// A duplicate key keeps the last value (as Java does) and leaves a warning in ``diagnostics``.
public struct PropertiesFile: Sendable {
    /// How the bytes were decoded.
    public enum Encoding: String, Sendable {
        case utf8 = "UTF-8"
        case latin1 = "ISO-8859-1"
    }

    /// The path the file was read from, as given; every diagnostic names it.
    public let path: String
    /// The keys in the order of their (last) appearance.
    public let entries: [PropertyEntry]
    /// Syntax errors (malformed `\uXXXX`) and warnings (duplicate keys, ISO-8859-1 fallback).
    public let diagnostics: [ConfigDiagnostic]
    /// The decoding that was used.
    public let encoding: Encoding
    private let index: [String: Int]

    init(path: String, entries: [PropertyEntry], diagnostics: [ConfigDiagnostic], encoding: Encoding) {
        self.path = path
        self.entries = entries
        self.diagnostics = diagnostics
        self.encoding = encoding
        var index: [String: Int] = [:]
        for (position, entry) in entries.enumerated() { index[entry.key] = position }
        self.index = index
    }

    /// The entry for `key`, if the file sets it.
    public subscript(key: String) -> PropertyEntry? {
        index[key].map { entries[$0] }
    }

    /// Parses `bytes` as the file at `path` (used in diagnostics only).
    public static func parse(_ bytes: [UInt8], path: String) -> PropertiesFile {
        PropertiesParser.parse(bytes, path: path)
    }

    /// Reads and parses the file at `path`.
    ///
    /// - Throws: ``ZTICoreError/Code/fileUnreadable`` when the file cannot be read.
    public static func load(path: String) throws(ZTICoreError) -> PropertiesFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "it cannot be read" : "it does not exist"
            throw ZTICoreError(.fileUnreadable, "\(path): cannot read the file: \(reason)")
        }
        return parse([UInt8](data), path: path)
    }
}
