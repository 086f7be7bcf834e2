import Glibc

/// The one error type of ZTISupervisor.
public struct ZTISupervisorError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Sendable {
            case spawnFailed
            case groupLocked
            case linkFailed
        }

        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        public var description: String { backing.rawValue }

        /// A child process could not be started.
        public static let spawnFailed = Code(.spawnFailed)
        /// Another supervisor runs the group.
        public static let groupLocked = Code(.groupLocked)
        /// A socket between the processes could not be made or used.
        public static let linkFailed = Code(.linkFailed)
    }

    public let code: Code
    /// A line for the administrator.
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// An error naming the failed call and the system's reason.
    static func system(_ code: Code, _ what: String, errno number: Int32 = errno) -> ZTISupervisorError {
        ZTISupervisorError(code, "\(what): \(String(cString: strerror(number)))")
    }

    public var description: String { message }
}
