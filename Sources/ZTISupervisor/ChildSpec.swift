import ZTICore

/// What the supervisor runs, as data: which role (a group's worker, or the uploader), how it is restarted and how
/// it is stopped.
public struct ChildSpec: Sendable, Equatable {
    public enum Role: Sendable, Hashable, CustomStringConvertible {
        case worker(group: String)
        case uploader

        /// The `ztisup` subcommand that runs it.
        public var subcommand: String {
            switch self {
            case .worker: "worker"
            case .uploader: "uploader"
            }
        }

        public var description: String {
            switch self {
            case .worker(let group): "worker \(group)"
            case .uploader: "uploader"
            }
        }
    }

    public var role: Role
    public var restart: RestartPolicy
    public var stop: StopSequence

    public init(role: Role, restart: RestartPolicy, stop: StopSequence) {
        self.role = role
        self.restart = restart
        self.stop = stop
    }

    /// The spec of `role` by the restart policy and stop timeout of `zti.properties`.
    public init(_ role: Role, _ global: GlobalConfig) {
        self.init(
            role: role,
            restart: RestartPolicy(
                floor: global.restartBackoffFloor, cap: global.restartBackoffCap, intensity: global.restartIntensity,
                period: global.restartPeriod),
            stop: StopSequence(grace: global.stopTimeout))
    }
}
