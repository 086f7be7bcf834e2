import ZTICore

/// The one error type of ZTIUploader.
public typealias ZTIUploaderError = CodedError<ZTIUploaderErrorCode>

/// What kind of failure a ``ZTIUploaderError`` is.
public struct ZTIUploaderErrorCode: ErrorCode {
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
    public static let secretRefused = Self(.secretRefused)
    /// A secret the sink needs is nowhere to be found.
    public static let secretMissing = Self(.secretMissing)
    /// The spool cannot be opened or written.
    public static let spoolUnavailable = Self(.spoolUnavailable)
    /// The spool file is damaged.
    public static let spoolCorrupt = Self(.spoolCorrupt)
    /// The disk holding the spool is full.
    public static let spoolFull = Self(.spoolFull)
    /// The CRM refused the refresh token or the client credentials: the administrator must re-authorize.
    public static let crmAuthorization = Self(.crmAuthorization)
    /// Refreshing now would exceed the CRM's limit on access tokens.
    public static let crmRefreshLimited = Self(.crmRefreshLimited)
    /// The CRM could not be reached, or answered with a server error.
    public static let crmUnavailable = Self(.crmUnavailable)
    /// The CRM refused a request for good.
    public static let crmRefused = Self(.crmRefused)
}
