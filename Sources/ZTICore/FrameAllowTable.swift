/// Which frame types a receiver accepts from each kind of peer (OpenSSH `mon_table` style). Any other type
/// closes the connection.
public enum FrameAllowTable {
    /// The frame types `receiver` accepts from `sender`; empty where the two never talk.
    public static func accepted(by receiver: PeerRole, from sender: PeerRole) -> Set<FrameType> {
        switch (receiver, sender) {
        case (.supervisor, .worker): [.hello, .event, .heartbeat, .dialResult, .captureResult]
        case (.worker, .supervisor): [.config, .open, .ack, .dial, .shutdown, .capture]
        case (.uploader, .supervisor): [.hello, .event, .dialResult, .statusRequest, .openRequest]
        case (.supervisor, .uploader): [.hello, .ack, .dial, .status, .open]
        case (.supervisor, .cli): [.statusRequest, .dial, .capture]
        case (.cli, .supervisor): [.status, .dialResult, .captureResult]
        default: []
        }
    }
}
