/// A typed frame of the process wire format.
public enum Frame: Sendable {
    case hello(Hello)
    case config(WorkerSettings)
    /// A call event and, beside it (never inside the canonical event), the member's leg on the PBX.
    case event(CallEvent, resumeKey: String?)
    case ack(Ack)
    case dial(DialRequest)
    case dialResult(DialResult)
    case heartbeat(Heartbeat)
    case statusRequest(StatusRequest)
    /// A supervisor's status, to `ztisup status`.
    case status(StatusReport)
    /// The uploader's status, to a supervisor (the same frame type: what it holds depends on the sender).
    case uploaderStatus(UploaderStatus)
    case shutdown(Shutdown)
    case openRequest(OpenRequest)
    case open(OpenLifecycles)
    case capture(CaptureRequest)
    case captureResult(CaptureResult)

    /// The frame's type byte.
    public var type: FrameType {
        switch self {
        case .hello: .hello
        case .config: .config
        case .event: .event
        case .ack: .ack
        case .dial: .dial
        case .dialResult: .dialResult
        case .heartbeat: .heartbeat
        case .statusRequest: .statusRequest
        case .status, .uploaderStatus: .status
        case .shutdown: .shutdown
        case .openRequest: .openRequest
        case .open: .open
        case .capture: .capture
        case .captureResult: .captureResult
        }
    }
}
