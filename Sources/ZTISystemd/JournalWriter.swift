/// Where journal entries go: libsystemd in production, a recorder in tests of the field mapping.
public protocol JournalWriter: Sendable {
    /// Writes one entry made of `(name, value)` fields; values may contain newlines.
    func write(_ fields: [(name: String, value: String)])
}
