/// The one error type of ZTISupervisor.
public struct ZTISupervisorError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Sendable {
            case groupLocked
            case linkFailed
        }

        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        public var description: String { backing.rawValue }

        /// Another supervisor runs the group.
        public static let groupLocked = Code(.groupLocked)
        /// The control socket could not be reached or used.
        public static let linkFailed = Code(.linkFailed)
    }

    public let code: Code
    /// A line for the administrator.
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
