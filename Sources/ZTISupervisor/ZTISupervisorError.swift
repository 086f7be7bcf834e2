import ZTICore

/// The one error type of ZTISupervisor.
public typealias ZTISupervisorError = CodedError<ZTISupervisorErrorCode>

/// What kind of failure a ``ZTISupervisorError`` is.
public struct ZTISupervisorErrorCode: ErrorCode {
    private enum Backing: String, Sendable {
        case groupLocked
        case linkFailed
    }

    private let backing: Backing
    private init(_ backing: Backing) { self.backing = backing }

    public var description: String { backing.rawValue }

    /// Another supervisor runs the group.
    public static let groupLocked = Self(.groupLocked)
    /// The control socket could not be reached or used.
    public static let linkFailed = Self(.linkFailed)
}
