/// How one capture orders the two directions of a PBX stream in its file: what the PBX sent goes in as it came,
/// line by line, and what ztisup sent goes in whole, between two of the PBX's messages, never inside one (the
/// PBX's bytes arrive in chunks that may end anywhere). A pure state machine over bytes, tested without files.
///
/// Two ways of reading the PBX's side: in lines (AMI: a blank line ends a message, and the first line of a
/// connection, the banner, stands alone), or as whole messages (DMCC frames, which the client already splits).
public struct CaptureInterleave: Sendable {
    /// Where the PBX's side stands.
    enum Position: Sendable, Equatable {
        /// Between two messages: what ztisup sends is written at once.
        case boundary
        /// Inside a message.
        case inside
        /// The capture started while a message may have been going on: its lines are skipped up to the next
        /// blank line.
        case unsynced
        /// A new connection: its first line (the banner) stands alone.
        case banner
    }

    private(set) var position: Position
    /// The PBX's last line, not ended yet.
    private var partial: [UInt8] = []
    /// What ztisup sent while the PBX's side was inside a message.
    private var held: [[UInt8]] = []
    private let redactLine: @Sendable (ArraySlice<UInt8>) -> [UInt8]

    /// Where a capture starts in the stream.
    public enum Start: Sendable {
        /// At a connection's first byte.
        case connection
        /// Between two messages (the next file of a rotation).
        case boundary
        /// Anywhere: in the middle of a message, maybe.
        case anywhere
    }

    /// A capture in lines that starts at `start`.
    public init(start: Start, redactLine: @escaping @Sendable (ArraySlice<UInt8>) -> [UInt8]) {
        switch start {
        case .connection: position = .banner
        case .boundary: position = .boundary
        case .anywhere: position = .unsynced
        }
        self.redactLine = redactLine
    }

    /// Whether the PBX's side is between two messages (a file may end or rotate here).
    public var atBoundary: Bool { position == .boundary && partial.isEmpty }

    /// What to write for a chunk the PBX sent: its whole lines (redacted), with what ztisup sent meanwhile after
    /// the first message that ends.
    public mutating func received(_ chunk: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        var line = partial
        partial = []
        for byte in chunk {
            line.append(byte)
            guard byte == UInt8(ascii: "\n") else { continue }
            take(line, into: &out)
            line = []
        }
        partial = line
        return out
    }

    /// What to write for a whole message ztisup sent: the message now, or nothing until the PBX's side reaches a
    /// boundary.
    public mutating func sent(_ message: [UInt8]) -> [UInt8] {
        switch position {
        case .boundary where partial.isEmpty, .banner, .unsynced:
            // Before the banner, or before the capture's first whole message, nothing of the PBX's is written
            // yet: ztisup's message goes first.
            return message
        default:
            held.append(message)
            return []
        }
    }

    private mutating func take(_ line: [UInt8], into out: inout [UInt8]) {
        let content = line.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }
        let blank = content.isEmpty
        switch position {
        case .unsynced:
            if blank { position = .boundary }
            return
        case .banner:
            out += redactLine(line[...])
            position = .boundary
        case .boundary, .inside:
            if blank && position == .boundary {
                // A stray blank line between messages: kept as it came.
                out += line
                return
            }
            out += blank ? line : redactLine(line[...])
            position = blank ? .boundary : .inside
        }
        if position == .boundary, !held.isEmpty {
            for message in held { out += message }
            held = []
        }
    }

    /// What ztisup sent that is still held (the capture ends inside a PBX message): written at the end.
    public mutating func drain() -> [UInt8] {
        defer { held = [] }
        return held.flatMap { $0 }
    }
}
