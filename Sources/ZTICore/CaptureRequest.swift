/// `CAPTURE`: `ztisup capture` asks the supervisor that runs `group` to have its worker capture the raw PBX stream,
/// and the supervisor asks the worker. Bounded both ways: a capture ends by itself.
public struct CaptureRequest: Sendable, Equatable, Codable {
    /// The longest a capture may be asked to last: a day.
    public static let maximumSeconds = 86_400
    /// The largest size cap: 10 GiB.
    public static let maximumBytes = 10 << 30

    public var group: String
    /// How long the capture lasts at most.
    public var seconds: Int
    /// Its size cap, in bytes.
    public var maxBytes: Int

    public init(group: String, seconds: Int, maxBytes: Int) {
        self.group = group
        self.seconds = seconds
        self.maxBytes = maxBytes
    }

    /// Checks the bounds (a frame from another process is untrusted).
    public func validate() throws(ZTICoreError) {
        guard (1...Self.maximumSeconds).contains(seconds) else {
            throw ZTICoreError(
                .framePayloadInvalid, "CAPTURE: seconds \(seconds) is outside 1...\(Self.maximumSeconds)")
        }
        guard (1...Self.maximumBytes).contains(maxBytes) else {
            throw ZTICoreError(
                .framePayloadInvalid, "CAPTURE: maxBytes \(maxBytes) is outside 1...\(Self.maximumBytes)")
        }
        guard !group.isEmpty, group.utf8.count <= 256 else {
            throw ZTICoreError(.framePayloadInvalid, "CAPTURE: the group name is empty or longer than 256 bytes")
        }
    }
}
