/// Constants of the process wire format: `u32 big-endian length` (of the type byte and payload) + `u8 type` +
/// UTF-8 JSON payload.
public enum WireProtocol {
    /// The protocol version every HELLO carries.
    public static let version = 1
    /// The largest length a frame may announce: 1 MiB.
    public static let maximumFrameLength = 1 << 20
    /// Bytes before the payload: the length and the type byte.
    public static let headerLength = 5
}
