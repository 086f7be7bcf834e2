// The DMCC codec files are also compiled on their own, with Untrusted.swift, for bin/fuzz.sh.
#if canImport(ZTICore)
import ZTICore
#endif

/// The one error type of ZTIAvaya.
public typealias ZTIAvayaError = CodedError<ZTIAvayaErrorCode>

/// What kind of failure a ``ZTIAvayaError`` is.
public struct ZTIAvayaErrorCode: ErrorCode {
    /// Messages quote what the PBX sent.
    public static let quotesPeers = true

    private enum Backing: String, Sendable {
        case frameMalformed
        case frameTooLarge
        case invokeIDInvalid
        case xmlMalformed
        case requestRefused
        case authenticationFailed
        case versionUnsupported
        case sessionRefused
        case sessionLost
        case timedOut
        case linkClosed
        case credentialsUnreadable
        case tlsFailed
        case sessionStoreFailed
    }

    private let backing: Backing
    private init(_ backing: Backing) { self.backing = backing }

    public var description: String { backing.rawValue }

    /// Bytes from AES that are not a DMCC frame (a length under 8, an invoke ID that is not 4 digits); the
    /// stream has no resync marker, so the connection must be dropped.
    public static let frameMalformed = Self(.frameMalformed)
    /// A frame larger than the 16-bit length field (or the configured maximum) allows.
    public static let frameTooLarge = Self(.frameTooLarge)
    /// An invoke ID outside 0…9999.
    public static let invokeIDInvalid = Self(.invokeIDInvalid)
    /// A DMCC message that is not a well-formed XML document, or that is one we refuse (a DOCTYPE, too deep).
    public static let xmlMalformed = Self(.xmlMalformed)
    /// A request that cannot be built safely (a number or name with characters a dial string cannot hold).
    public static let requestRefused = Self(.requestRefused)
    /// AES refused the CTI user's name or password.
    public static let authenticationFailed = Self(.authenticationFailed)
    /// AES supports none of the DMCC protocol versions requested.
    public static let versionUnsupported = Self(.versionUnsupported)
    /// AES refused a session for another reason: busy, too many sessions, an application error.
    public static let sessionRefused = Self(.sessionRefused)
    /// The application session ended (its timer ran out, keep-alives went unanswered, AES terminated it).
    public static let sessionLost = Self(.sessionLost)
    /// AES did not answer in time.
    public static let timedOut = Self(.timedOut)
    /// The connection closed.
    public static let linkClosed = Self(.linkClosed)
    /// The password file cannot be read.
    public static let credentialsUnreadable = Self(.credentialsUnreadable)
    /// The TLS settings cannot be used (a CA or client certificate file that does not load).
    public static let tlsFailed = Self(.tlsFailed)
    /// The AES session cannot be kept in, or read back from, `<runtime.dir>/<group>/aes-session`.
    public static let sessionStoreFailed = Self(.sessionStoreFailed)
}
