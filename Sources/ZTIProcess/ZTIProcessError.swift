// The error type of ZTIProcess: a child that could not be started, or a socket pair that could not be made.
import Glibc

/// The one error type of ZTIProcess.
public struct ZTIProcessError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Sendable {
            case spawnFailed
            case socketFailed
        }

        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        public var description: String { backing.rawValue }

        /// A child process could not be started.
        public static let spawnFailed = Code(.spawnFailed)
        /// The socket pair between parent and child could not be made.
        public static let socketFailed = Code(.socketFailed)
    }

    public let code: Code
    /// A line for the administrator.
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// An error naming the failed call and the system's reason.
    static func system(_ code: Code, _ what: String, errno number: Int32 = errno) -> ZTIProcessError {
        ZTIProcessError(code, "\(what): \(String(cString: strerror(number)))")
    }

    public var description: String { message }
}
