/// One key of a `.properties` file with its value and the line where its logical line starts.
public struct PropertyEntry: Sendable, Equatable {
    /// The key, with escapes resolved.
    public let key: String
    /// The value, with escapes resolved and continuations joined; may be empty.
    public let value: String
    /// The 1-based line of the first character of the key.
    public let line: Int

    /// Creates an entry.
    public init(key: String, value: String, line: Int) {
        self.key = key
        self.value = value
        self.line = line
    }
}
