import ZTICore

/// The one error type of ZTIAsterisk.
public typealias ZTIAsteriskError = CodedError<ZTIAsteriskErrorCode>

/// What kind of failure a ``ZTIAsteriskError`` is.
public struct ZTIAsteriskErrorCode: ErrorCode {
    /// Messages quote what the PBX sent.
    public static let quotesPeers = true

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
    public static let actionRefused = Self(.actionRefused)
    /// The PBX refused the AMI user name or password.
    public static let authenticationFailed = Self(.authenticationFailed)
    /// The AMI user lacks a write class an action needs; the message names it.
    public static let permissionDenied = Self(.permissionDenied)
    /// The PBX did not answer in time (login, an action, a keep-alive Ping).
    public static let timedOut = Self(.timedOut)
    /// The connection closed.
    public static let linkClosed = Self(.linkClosed)
    /// The PBX answered something the protocol does not allow here.
    public static let unexpectedReply = Self(.unexpectedReply)
    /// The password file cannot be read.
    public static let credentialsUnreadable = Self(.credentialsUnreadable)
}
