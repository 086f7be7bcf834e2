// The shape every module's error shares (the style's "a struct with a Code that wraps a private enum"): the
// module names its codes, this type carries them with the administrator's line.

/// The codes of one module's errors: a struct over a private enum, so that codes can be added without breaking
/// callers.
public protocol ErrorCode: Hashable, Sendable, CustomStringConvertible {
    /// Whether the messages quote what a peer sent (a PBX's replies), whose control characters are then escaped
    /// before any log line or status shows them.
    static var quotesPeers: Bool { get }
}

extension ErrorCode {
    public static var quotesPeers: Bool { false }
}

/// One module's error: its code, and a line for the administrator (never a secret).
public struct CodedError<Kind: ErrorCode>: Error, Sendable, Equatable, CustomStringConvertible {
    /// The module's codes (`ZTIAvayaError.Code`).
    public typealias Code = Kind

    /// The kind of failure.
    public let code: Code
    /// A line for the administrator.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = Code.quotesPeers ? Untrusted.line(message) : message
    }

    public var description: String { message }
}
