/// `CAPTURE_RESULT`: the worker's answer to `CAPTURE` (the file it writes, or why it cannot), relayed by the
/// supervisor to `ztisup capture`, or the supervisor's own refusal (no such group, no worker running).
public struct CaptureResult: Sendable, Equatable, Codable {
    public var group: String
    /// The capture file, when the capture started.
    public var file: String?
    /// Why no capture started.
    public var error: String?

    public init(group: String, file: String? = nil, error: String? = nil) {
        self.group = group
        self.file = file
        self.error = error
    }
}
