import ZTICore

/// The one error type of ZTIAsterisk.
public struct ZTIAsteriskError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Sendable {
            case actionRefused
            case authenticationFailed
            case permissionDenied
            case timedOut
            case linkClosed
            case unexpectedReply
            case credentialsUnreadable
        }

        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        public var description: String { backing.rawValue }

        /// An action that cannot be encoded safely (CR, LF or NUL in a value, an over-long line, too many headers).
        public static let actionRefused = Code(.actionRefused)
        /// The PBX refused the AMI user name or password.
        public static let authenticationFailed = Code(.authenticationFailed)
        /// The AMI user lacks a write class an action needs; the message names it.
        public static let permissionDenied = Code(.permissionDenied)
        /// The PBX did not answer in time (login, an action, a keep-alive Ping).
        public static let timedOut = Code(.timedOut)
        /// The connection closed.
        public static let linkClosed = Code(.linkClosed)
        /// The PBX answered something the protocol does not allow here.
        public static let unexpectedReply = Code(.unexpectedReply)
        /// The password file cannot be read.
        public static let credentialsUnreadable = Code(.credentialsUnreadable)
    }

    /// The kind of failure.
    public let code: Code
    /// A line for the administrator.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        // Messages quote what the PBX sent: its control characters are escaped before any log line or status shows
        // them.
        self.message = Untrusted.line(message)
    }

    public var description: String { message }
}
