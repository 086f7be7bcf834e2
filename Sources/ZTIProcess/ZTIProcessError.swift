// The error type of ZTIProcess: a child that could not be started, or a socket pair that could not be made.
import Glibc
import ZTICore

/// The one error type of ZTIProcess.
public typealias ZTIProcessError = CodedError<ZTIProcessErrorCode>

/// What kind of failure a ``ZTIProcessError`` is.
public struct ZTIProcessErrorCode: ErrorCode {
    private enum Backing: String, Sendable {
        case spawnFailed
        case socketFailed
    }

    private let backing: Backing
    private init(_ backing: Backing) { self.backing = backing }

    public var description: String { backing.rawValue }

    /// A child process could not be started.
    public static let spawnFailed = Self(.spawnFailed)
    /// The socket pair between parent and child could not be made.
    public static let socketFailed = Self(.socketFailed)
}

extension CodedError where Code == ZTIProcessErrorCode {
    /// An error naming the failed call and the system's reason.
    static func system(_ code: Code, _ what: String, errno number: Int32 = errno) -> ZTIProcessError {
        ZTIProcessError(code, "\(what): \(String(cString: strerror(number)))")
    }
}
