/// The type byte of a frame between ztisup processes.
public enum FrameType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case hello = 1
    case config = 2
    case event = 3
    case ack = 4
    case dial = 5
    case dialResult = 6
    case heartbeat = 7
    case statusRequest = 8
    case status = 9
    case shutdown = 10
    case openRequest = 11
    case open = 12
    case capture = 13
    case captureResult = 14

    /// The protocol name, as in the architecture and in log lines (`DIAL_RESULT`).
    public var description: String {
        switch self {
        case .hello: "HELLO"
        case .config: "CONFIG"
        case .event: "EVENT"
        case .ack: "ACK"
        case .dial: "DIAL"
        case .dialResult: "DIAL_RESULT"
        case .heartbeat: "HEARTBEAT"
        case .statusRequest: "STATUS_REQUEST"
        case .status: "STATUS"
        case .shutdown: "SHUTDOWN"
        case .openRequest: "OPEN_REQUEST"
        case .open: "OPEN"
        case .capture: "CAPTURE"
        case .captureResult: "CAPTURE_RESULT"
        }
    }
}
