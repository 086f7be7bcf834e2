/// The one error type of ZTIUploader.
public struct ZTIUploaderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Sendable {
            case secretRefused
            case secretMissing
            case spoolUnavailable
            case spoolCorrupt
            case spoolFull
            case crmAuthorization
            case crmRefreshLimited
            case crmUnavailable
            case crmRefused
        }

        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        public var description: String { backing.rawValue }

        /// A secret file is readable by others or owned by another user.
        public static let secretRefused = Code(.secretRefused)
        /// A secret the sink needs is nowhere to be found.
        public static let secretMissing = Code(.secretMissing)
        /// The spool cannot be opened or written.
        public static let spoolUnavailable = Code(.spoolUnavailable)
        /// The spool file is damaged.
        public static let spoolCorrupt = Code(.spoolCorrupt)
        /// The disk holding the spool is full.
        public static let spoolFull = Code(.spoolFull)
        /// The CRM refused the refresh token or the client credentials: the administrator must re-authorize.
        public static let crmAuthorization = Code(.crmAuthorization)
        /// Refreshing now would exceed the CRM's limit on access tokens.
        public static let crmRefreshLimited = Code(.crmRefreshLimited)
        /// The CRM could not be reached, or answered with a server error.
        public static let crmUnavailable = Code(.crmUnavailable)
        /// The CRM refused a request for good.
        public static let crmRefused = Code(.crmRefused)
    }

    /// The kind of failure.
    public let code: Code
    /// A line for the administrator; never a secret.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
