/// The one error type of ZTIAsterisk.
public struct ZTIAsteriskError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Sendable {
            case actionRefused
        }

        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        public var description: String { backing.rawValue }

        /// An action that cannot be encoded safely (CR, LF or NUL in a value, an over-long line, too many headers).
        public static let actionRefused = Code(.actionRefused)
    }

    /// The kind of failure.
    public let code: Code
    /// A line for the administrator.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
