/// Constants of the process wire format: `u32 big-endian length` (of the type byte and payload) + `u8 type` +
/// UTF-8 JSON payload.
public enum WireProtocol {
    /// The protocol version every HELLO carries. 2 added `OPEN_REQUEST`/`OPEN`, the uploader's `HELLO` and the
    /// resume key beside an `EVENT`'s call event; 3 added the group to `ACK` and the supervisor's protocol version
    /// to its `STATUS`; 4 added `CAPTURE`/`CAPTURE_RESULT` (CLI ↔ supervisor ↔ worker) and `checkCRM` in
    /// `STATUS_REQUEST` (the uploader's `crmCheck` in its `STATUS`).
    public static let version = 4
    /// The first version with `CAPTURE`/`CAPTURE_RESULT` and the uploader's CRM check.
    public static let captureVersion = 4
    /// The first version with `OPEN_REQUEST`/`OPEN`, the uploader's `HELLO` and resume keys.
    public static let resumeVersion = 2
    /// The most an `OPEN` chunk holds.
    public static let openChunkBytes = 512 * 1024
    /// The largest length a frame may announce: 1 MiB.
    public static let maximumFrameLength = 1 << 20
    /// Bytes before the payload: the length and the type byte.
    public static let headerLength = 5
    /// How often a worker sends `HEARTBEAT`; its supervisor counts one older than three of these as stale.
    public static let heartbeatInterval: Duration = .seconds(2)
}
