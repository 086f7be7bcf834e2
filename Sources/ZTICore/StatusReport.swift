/// A supervisor's `STATUS` (its answer to `ztisup status`), and the merge of several supervisors' reports that
/// `ztisup status --json` prints. The keys are the documented `status --json` schema (README, "Status").
public struct StatusReport: Codable, Sendable, Equatable {
    /// One supervisor.
    public struct Supervisor: Codable, Sendable, Equatable {
        public var pid: Int32
        /// The line systemd shows as STATUS=.
        public var summary: String
        public var uptimeSeconds: Int
        /// Its control socket.
        public var socket: String?
        /// The one group a per-group supervisor (`run --group G`) runs.
        public var group: String?
        /// ``WireProtocol/version`` of the running supervisor (absent from releases before protocol 3).
        public var protocolVersion: Int?

        public init(
            pid: Int32, summary: String, uptimeSeconds: Int, socket: String? = nil, group: String? = nil,
            protocolVersion: Int? = WireProtocol.version
        ) {
            self.pid = pid
            self.summary = summary
            self.uptimeSeconds = uptimeSeconds
            self.socket = socket
            self.group = group
            self.protocolVersion = protocolVersion
        }
    }

    /// A group's PBX.
    public struct PBX: Codable, Sendable, Equatable {
        public var type: String
        public var host: String
        public var port: Int

        public init(type: String, host: String, port: Int) {
            self.type = type
            self.host = host
            self.port = port
        }
    }

    /// One group: its worker, and the worker's last heartbeat while it runs.
    public struct Group: Codable, Sendable, Equatable {
        public var group: String
        public var pbx: PBX?
        public var state: GroupState
        public var restarts: Int?
        public var pid: Int32?
        public var uptimeSeconds: Int?
        public var lastExit: String?
        public var lastEventAgeSeconds: Int?
        public var lastError: String?
        public var link: LinkState?
        public var family: String?
        public var familySource: String?
        /// The PBX's version.
        public var version: String?
        public var activeCalls: Int?
        public var eventsIn: Int?
        public var eventsOut: Int?
        public var unacked: Int?
        public var dropped: Int?
        public var session: String?
        public var monitored: [String]?
        public var failedExtensions: [String: String]?
        /// Times the PBX link went down after being up, by the current worker.
        public var linkLosses: Int?

        public init(group: String, state: GroupState) {
            self.group = group
            self.state = state
        }

        /// Takes the worker's report.
        public mutating func include(_ heartbeat: Heartbeat) {
            link = heartbeat.link
            family = heartbeat.family
            familySource = heartbeat.familySource
            version = heartbeat.pbxVersion
            activeCalls = heartbeat.activeCalls
            eventsIn = heartbeat.eventsIn
            eventsOut = heartbeat.eventsOut
            unacked = heartbeat.unacked
            dropped = heartbeat.dropped
            session = heartbeat.session
            monitored = heartbeat.monitored
            failedExtensions = heartbeat.failedExtensions
            linkLosses = heartbeat.linkLosses
        }
    }

    /// Whether a supervisor's link to the uploader is up.
    public enum UploaderState: String, Codable, Sendable, Equatable {
        case connected
        case away
    }

    /// The uploader as a supervisor sees it, with what the uploader itself reported.
    public struct Uploader: Codable, Sendable, Equatable {
        public var state: UploaderState
        public var socket: String?
        /// Spawned by this supervisor (all-in-one mode).
        public var spawned: Bool?
        public var pid: Int32?
        public var restarts: Int?
        public var lastExit: String?
        public var lastError: String?
        public var protocolVersion: Int?
        /// Set when the uploader speaks another protocol than the supervisor.
        public var protocolMismatch: String?
        public var sink: String?
        public var delivery: [String: Int]?
        public var lastCRMError: String?
        public var crm: UploaderStatus.CRMHealth?
        public var degraded: String?
        public var clickToDial: UploaderStatus.ClickToDial?
        public var spool: UploaderStatus.SpoolCounts?

        public init(state: UploaderState) {
            self.state = state
        }

        /// Takes what the uploader reported.
        public mutating func include(_ reported: UploaderStatus) {
            sink = reported.sink
            delivery = reported.delivery
            lastCRMError = reported.lastCRMError
            crm = reported.crm
            degraded = reported.degraded
            clickToDial = reported.clickToDial
            spool = reported.spool
        }
    }

    /// The events a supervisor queues while the uploader is away.
    public struct Buffer: Codable, Sendable, Equatable {
        public var queued: Int
        public var dropped: Int
        public var capacity: Int

        public init(queued: Int, dropped: Int, capacity: Int) {
            self.queued = queued
            self.dropped = dropped
            self.capacity = capacity
        }
    }

    /// The supervisor that answered (the first, in a merge).
    public var supervisor: Supervisor?
    /// Every supervisor that answered, in a merge of several.
    public var supervisors: [Supervisor]?
    public var groups: [Group]
    public var uploader: Uploader
    public var buffer: Buffer

    public init(
        supervisor: Supervisor?, supervisors: [Supervisor]? = nil, groups: [Group], uploader: Uploader, buffer: Buffer
    ) {
        self.supervisor = supervisor
        self.supervisors = supervisors
        self.groups = groups
        self.uploader = uploader
        self.buffer = buffer
    }

    /// Every group connected, the uploader connected, of this release's protocol, and the CRM getting the calls.
    public var allUp: Bool {
        groups.allSatisfy { $0.state == .connected } && uploader.state == .connected && uploader.degraded == nil
            && uploader.protocolMismatch == nil
    }
}
