/// Splits a DMCC byte stream into frames, whatever the TCP reads' boundaries: read 8 header bytes, then exactly
/// `length - 8` more. A pure function over bytes, with no transport.
///
/// The stream has no resync marker, so the first malformed header is final: every later `next()` throws the same
/// error, and the connection must be dropped.
public struct DMCCFrameDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0
    private var failure: ZTIAvayaError?
    private let maximumSize: Int

    /// A decoder refusing frames larger than `maximumSize` bytes (header included; at most 65,535).
    public init(maximumSize: Int = DMCCFrame.maximumSize) {
        self.maximumSize = min(max(maximumSize, DMCCFrame.headerSize), DMCCFrame.maximumSize)
    }

    /// Bytes buffered and not yet returned as a frame.
    public var bufferedCount: Int { buffer.count - start }

    /// Adds bytes read from the connection.
    public mutating func feed(_ bytes: some Collection<UInt8>) {
        guard failure == nil else { return }
        if start > 0, start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next whole frame, or nil until more bytes arrive.
    ///
    /// - Throws: ``ZTIAvayaError`` (`frameMalformed`, `frameTooLarge`) for a header no AES sends.
    public mutating func next() throws(ZTIAvayaError) -> DMCCFrame? {
        if let failure { throw failure }
        guard bufferedCount >= DMCCFrame.headerSize else { return nil }
        let header = buffer[start..<start + DMCCFrame.headerSize]
        let version = UInt16(header[start]) << 8 | UInt16(header[start + 1])
        let length = Int(header[start + 2]) << 8 | Int(header[start + 3])
        guard length >= DMCCFrame.headerSize else {
            return try fail(
                .frameMalformed, "a DMCC header gives a frame length of \(length), less than its own 8 bytes")
        }
        guard length <= maximumSize else {
            return try fail(.frameTooLarge, "a DMCC frame of \(length) bytes is larger than the \(maximumSize) allowed")
        }
        var invokeID = 0
        for byte in header[(start + 4)...] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else {
                let shown = header[(start + 4)...].map { String($0, radix: 16, uppercase: true) }
                return try fail(
                    .frameMalformed,
                    "a DMCC header's invoke ID is not 4 ASCII digits (bytes \(shown.joined(separator: " ")))")
            }
            invokeID = invokeID * 10 + Int(byte - UInt8(ascii: "0"))
        }
        guard bufferedCount >= length else { return nil }
        let xml = Array(buffer[(start + DMCCFrame.headerSize)..<(start + length)])
        start += length
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        return DMCCFrame(invokeID: invokeID, xml: xml, version: version)
    }

    private mutating func fail(_ code: ZTIAvayaError.Code, _ message: String) throws(ZTIAvayaError) -> DMCCFrame? {
        let error = ZTIAvayaError(code, message + "; the connection to AES must be dropped")
        failure = error
        buffer = []
        start = 0
        throw error
    }
}
