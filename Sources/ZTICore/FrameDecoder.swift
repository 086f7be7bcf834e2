/// An incremental frame decoder for one connection: bytes go in with any fragmentation, typed frames come out.
///
/// It enforces the 1 MiB cap as soon as a length is read (before buffering the body), and the receiver's
/// allow-table for the sender's role as soon as the type byte is read. The first error is final: every later
/// call throws it again, because the connection must be closed.
public struct FrameDecoder: Sendable {
    /// The role of the process that reads.
    public let receiver: PeerRole
    /// The role of the peer that writes.
    public let sender: PeerRole
    private let allowed: Set<FrameType>
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var failure: ZTICoreError?

    /// A decoder for frames that `sender` writes to `receiver`.
    public init(receiver: PeerRole, sender: PeerRole) {
        self.receiver = receiver
        self.sender = sender
        self.allowed = FrameAllowTable.accepted(by: receiver, from: sender)
    }

    /// Bytes received but not yet returned as frames.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Appends received bytes.
    public mutating func feed(_ bytes: some Collection<UInt8>) {
        guard failure == nil else { return }
        if readIndex > 0 && readIndex >= buffer.count / 2 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, or nil when more bytes are needed.
    ///
    /// - Throws: ``ZTICoreError`` (`frameTooLarge`, `frameEmpty`, `frameTypeUnknown`, `frameTypeNotAllowed`,
    ///   `framePayloadInvalid`, `eventInvalid`); the connection must then be closed.
    public mutating func next() throws(ZTICoreError) -> Frame? {
        try decodeKeepingFailure(copyingPayload: false)?.frame
    }

    /// The next frame with its payload bytes as received (the uploader stores a validated event's JSON as it
    /// came, instead of encoding it again).
    public mutating func nextWithPayload() throws(ZTICoreError) -> (frame: Frame, payload: [UInt8])? {
        try decodeKeepingFailure(copyingPayload: true).map { ($0.frame, $0.payload ?? []) }
    }

    private mutating func decodeKeepingFailure(copyingPayload: Bool) throws(ZTICoreError) -> (
        frame: Frame, payload: [UInt8]?
    )? {
        if let failure { throw failure }
        do {
            return try decodeNext(copyingPayload: copyingPayload)
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func decodeNext(copyingPayload: Bool) throws(ZTICoreError) -> (frame: Frame, payload: [UInt8]?)? {
        let available = buffer.count - readIndex
        guard available >= 4 else { return nil }
        let length =
            Int(buffer[readIndex]) << 24 | Int(buffer[readIndex + 1]) << 16 | Int(buffer[readIndex + 2]) << 8
            | Int(buffer[readIndex + 3])
        guard length > 0 else {
            throw ZTICoreError(.frameEmpty, "the \(sender) sent a frame of length 0, which has no type byte")
        }
        guard length <= WireProtocol.maximumFrameLength else {
            throw ZTICoreError(
                .frameTooLarge,
                "the \(sender) announced a frame of \(length) bytes, over the \(WireProtocol.maximumFrameLength)-byte "
                    + "cap")
        }
        guard available >= 5 else { return nil }
        let typeByte = buffer[readIndex + 4]
        guard let type = FrameType(rawValue: typeByte) else {
            throw ZTICoreError(.frameTypeUnknown, "the \(sender) sent a frame of unknown type \(typeByte)")
        }
        guard allowed.contains(type) else {
            throw ZTICoreError(
                .frameTypeNotAllowed, "the \(sender) sent a \(type) frame, which a \(receiver) does not accept from it")
        }
        guard available >= 4 + length else { return nil }
        let payload = buffer[(readIndex + 5)..<(readIndex + 4 + length)]
        let frame = try Self.decodePayload(type, payload, sender: sender)
        let bytes = copyingPayload ? Array(payload) : nil
        readIndex += 4 + length
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.count <= 65_536)
            readIndex = 0
        }
        return (frame, bytes)
    }

    static func decodePayload(_ type: FrameType, _ payload: ArraySlice<UInt8>, sender: PeerRole)
        throws(ZTICoreError) -> Frame
    {
        func invalid(_ reason: String) -> ZTICoreError {
            ZTICoreError(
                .framePayloadInvalid,
                "the \(sender) sent a \(type) frame whose payload is not the expected JSON: \(reason)")
        }
        func decode<T: Decodable>(_: T.Type) throws(ZTICoreError) -> T {
            do {
                return try CanonicalJSON.decode(T.self, from: payload)
            } catch {
                throw invalid(brief(error))
            }
        }
        /// The payloads read by hand (events and acks, on every event's path).
        func read<T>(_ body: () throws(ZTICoreError) -> T) throws(ZTICoreError) -> T {
            do {
                return try body()
            } catch {
                throw invalid(error.message)
            }
        }
        switch type {
        case .hello: return .hello(try decode(Hello.self))
        case .config: return .config(try decode(WorkerSettings.self))
        case .event:
            let envelope = try read { () throws(ZTICoreError) in try CallEventJSON.decodeEnvelope(payload) }
            try envelope.event.validate()
            if let key = envelope.resumeKey, key.isEmpty || key.utf8.count > 512 {
                throw ZTICoreError(
                    .eventInvalid,
                    "event \(DialPlan.shown(envelope.event.id)): its resume key is empty or longer than 512 bytes")
            }
            return .event(envelope.event, resumeKey: envelope.resumeKey)
        case .ack: return .ack(try read { () throws(ZTICoreError) in try AckJSON.decode(payload) })
        case .dial:
            let request = try decode(DialRequest.self)
            try request.validate()
            return .dial(request)
        case .dialResult: return .dialResult(try decode(DialResult.self))
        case .heartbeat: return .heartbeat(try decode(Heartbeat.self))
        case .statusRequest: return .statusRequest(try decode(StatusRequest.self))
        case .status:
            return sender == .uploader
                ? .uploaderStatus(try decode(UploaderStatus.self)) : .status(try decode(StatusReport.self))
        case .shutdown: return .shutdown(try decode(Shutdown.self))
        case .openRequest: return .openRequest(try decode(OpenRequest.self))
        case .open: return .open(try decode(OpenLifecycles.self))
        case .capture:
            let request = try decode(CaptureRequest.self)
            try request.validate()
            return .capture(request)
        case .captureResult: return .captureResult(try decode(CaptureResult.self))
        }
    }

    /// A one-line description of a decoding error, without the payload itself.
    static func brief(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "the key \(key.stringValue) is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            (context.codingPath.map(\.stringValue).joined(separator: ".") + " " + context.debugDescription)
                .trimmingBlanks()
        default: "invalid JSON"
        }
    }
}
