/// Writes frames: `u32 big-endian length` + `u8 type` + canonical JSON payload.
public enum FrameEncoder {
    /// The bytes of `frame`.
    ///
    /// - Throws: ``ZTICoreError/Code/frameTooLarge`` when the payload would exceed the 1 MiB cap.
    public static func encode(_ frame: Frame) throws(ZTICoreError) -> [UInt8] {
        try encode(type: frame.type, payload: payloadData(frame))
    }

    /// The bytes of a frame of `type` around a payload already encoded (one a decoder validated, relayed as it came).
    public static func encode(type: FrameType, payload: [UInt8]) throws(ZTICoreError) -> [UInt8] {
        let length = payload.count + 1
        guard length <= WireProtocol.maximumFrameLength else {
            throw ZTICoreError(
                .frameTooLarge,
                "a \(type) frame of \(length) bytes exceeds the \(WireProtocol.maximumFrameLength)-byte cap")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(WireProtocol.headerLength + payload.count)
        bytes.append(UInt8(truncatingIfNeeded: length >> 24))
        bytes.append(UInt8(truncatingIfNeeded: length >> 16))
        bytes.append(UInt8(truncatingIfNeeded: length >> 8))
        bytes.append(UInt8(truncatingIfNeeded: length))
        bytes.append(type.rawValue)
        bytes.append(contentsOf: payload)
        return bytes
    }

    private static func payloadData(_ frame: Frame) -> [UInt8] {
        switch frame {
        case .hello(let value): Array(CanonicalJSON.data(value))
        case .config(let value): Array(CanonicalJSON.data(value))
        case .event(let value, let resumeKey): CallEventJSON.envelope(value, resumeKey: resumeKey)
        case .ack(let value): AckJSON.bytes(value)
        case .dial(let value): Array(CanonicalJSON.data(value))
        case .dialResult(let value): Array(CanonicalJSON.data(value))
        case .heartbeat(let value): Array(CanonicalJSON.data(value))
        case .statusRequest(let value): Array(CanonicalJSON.data(value))
        case .status(let value): Array(CanonicalJSON.data(value))
        case .uploaderStatus(let value): Array(CanonicalJSON.data(value))
        case .shutdown(let value): Array(CanonicalJSON.data(value))
        case .openRequest(let value): Array(CanonicalJSON.data(value))
        case .open(let value): Array(CanonicalJSON.data(value))
        case .capture(let value): Array(CanonicalJSON.data(value))
        case .captureResult(let value): Array(CanonicalJSON.data(value))
        }
    }
}
