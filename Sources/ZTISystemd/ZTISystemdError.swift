/// The one error type of ZTISystemd.
public struct ZTISystemdError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Sendable {
            case notifyFailed
        }

        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        public var description: String { backing.rawValue }

        /// `sd_notify` could not deliver to `$NOTIFY_SOCKET`.
        public static let notifyFailed = Code(.notifyFailed)
    }

    /// The kind of failure.
    public let code: Code
    /// The errno involved, if any.
    public let errno: Int32?
    /// A line for the administrator.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    public var description: String { message }
}
