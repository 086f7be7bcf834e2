import Glibc

#if canImport(ZTICore)
import ZTICore
#endif

/// The AMI codec's reading half: an incremental, pure decoder from bytes (any fragmentation) to ``AMIMessage``s.
///
/// Lines end with LF, with or without CR. A message ends at an empty line. The first line of a stream may be the
/// banner, which no empty line follows; a banner may also come again later (a capture across a reconnect). After
/// `Response: Follows` the decoder reads raw CLI text up to `--END COMMAND--`; when the marker never comes it
/// recovers at the first `Response:` or `Event:` line after an empty line. Events named in the drop list
/// (dialplan-class floods) are skipped by peeking at their first line, before any header is split or decoded.
/// Text is decoded per message: UTF-8, or ISO-8859-1 when the message is not valid UTF-8, so no byte is lost.
/// Nothing in the input can make it fail: an over-long message is discarded and counted.
public struct AMIDecoder: Sendable {
    /// The banner's prefix: `Asterisk Call Manager/<AMI version>`.
    public static let bannerPrefix = "Asterisk Call Manager/"
    /// The end of a `Response: Follows` body.
    public static let endCommandMarker = "--END COMMAND--"
    /// The events dropped unless told otherwise: the dialplan-class floods.
    public static let defaultDroppedEvents: Set<String> = ["Newexten", "VarSet", "CEL", "AGIExec"]
    /// Event-name prefixes dropped by default (`RTCPSent`, `RTCPReceived`, …).
    public static let defaultDroppedEventPrefixes = ["RTCP"]

    /// Limits that bound memory whatever the peer sends.
    public struct Limits: Sendable {
        /// The largest header block kept; larger ones are discarded and counted.
        public var maximumMessageBytes: Int
        /// The largest `Follows` body kept before it is cut and marked truncated.
        public var maximumBodyBytes: Int

        /// Creates limits (defaults: 4 MiB per message, 1 MiB per CLI body).
        public init(maximumMessageBytes: Int = 4 << 20, maximumBodyBytes: Int = 1 << 20) {
            self.maximumMessageBytes = maximumMessageBytes
            self.maximumBodyBytes = maximumBodyBytes
        }
    }

    private enum Mode: Sendable, Equatable {
        case idle
        case headers
        case skipping
        case follows(previousLineBlank: Bool)
    }

    private static let lf: UInt8 = 0x0A
    private static let cr: UInt8 = 0x0D
    private static let colon: UInt8 = 0x3A
    private static let space: UInt8 = 0x20
    private static let bannerBytes = Array(bannerPrefix.utf8)
    private static let markerBytes = Array(endCommandMarker.utf8)

    private let limits: Limits
    /// Lowercased; a short list compared in place, so that the drop test allocates nothing.
    private var droppedNames: [[UInt8]]
    private let droppedPrefixes: [[UInt8]]
    private var buffer: [UInt8] = []
    /// Where each header of the message being read lies, relative to its start: filled while its lines are
    /// found, so a complete block is never scanned twice.
    private var located: [AMIMessage.Field] = []
    /// False once a line of the current message has no colon (then it is parsed the slow way, as opaque).
    private var everyLineHasColon = true
    private var messageStart = 0
    private var lineStart = 0
    private var mode = Mode.idle
    private var sawFirstLine = false

    /// Events skipped by the drop list.
    public private(set) var droppedEventCount = 0
    /// Bytes discarded because a message exceeded ``Limits/maximumMessageBytes``.
    public private(set) var discardedByteCount = 0
    /// How often the buffer gave back the room an oversized input made it take (a hint to trim the heap).
    public private(set) var shrinkCount = 0

    /// A decoder that drops `droppedEvents` and events whose names start with one of `droppedEventPrefixes`
    /// (compared case-insensitively). Pass empty sets to parse everything.
    public init(
        droppedEvents: Set<String> = AMIDecoder.defaultDroppedEvents,
        droppedEventPrefixes: [String] = AMIDecoder.defaultDroppedEventPrefixes, limits: Limits = Limits()
    ) {
        self.limits = limits
        self.droppedNames = droppedEvents.sorted().map { $0.utf8.map(AMIHeader.asciiLowercase) }
        self.droppedPrefixes = droppedEventPrefixes.map { $0.utf8.map(AMIHeader.asciiLowercase) }
    }

    /// Stops dropping `eventName` (1.4 needs `Newexten`: it is the only place its dialled numbers appear).
    public mutating func stopDropping(_ eventName: String) {
        let lowered = eventName.utf8.map(AMIHeader.asciiLowercase)
        droppedNames.removeAll { $0 == lowered }
    }

    /// Bytes received and not yet returned as messages.
    public var bufferedByteCount: Int { buffer.count - messageStart }

    /// Appends received bytes.
    public mutating func feed(_ bytes: some Collection<UInt8>) {
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    /// The next complete message, or nil when more bytes are needed.
    public mutating func next() -> AMIMessage? {
        switch advance() {
        case nil: return nil
        case .message(let message): return message
        case .block(let kind, let range, let isUTF8):
            return AMIMessage(kind: kind, bytes: Array(buffer[range]), fields: located, isUTF8: isUTF8)
        }
    }

    /// Hands the next complete message to `body` as a view over the read buffer, without copying it; nil when
    /// more bytes are needed. Every header is located, and any is found by name; a value becomes a `String` only
    /// when it is read. The view is valid inside `body` only.
    public mutating func nextView<Result>(_ body: (AMIMessageView) -> Result) -> Result? {
        switch advance() {
        case nil: return nil
        case .message(let message): return body(AMIMessageView(message))
        case .block(let kind, let range, let isUTF8):
            return buffer.withUnsafeBufferPointer { bytes in
                located.withUnsafeBufferPointer { fields in
                    body(
                        AMIMessageView(
                            kind: kind, bytes: UnsafeBufferPointer(rebasing: bytes[range]), fields: fields,
                            isUTF8: isUTF8))
                }
            }
        }
    }

    /// A complete message: a header block located in place (its fields in ``located``), or one built the slow way.
    private enum Decoded {
        case block(kind: AMIMessage.Kind, range: Range<Int>, isUTF8: Bool)
        case message(AMIMessage)
    }

    private mutating func advance() -> Decoded? {
        while true {
            guard let lineFeed = findLineFeed(from: lineStart) else {
                boundPartialLine()
                return nil
            }
            var contentEnd = lineFeed
            if contentEnd > lineStart && buffer[contentEnd - 1] == Self.cr { contentEnd -= 1 }
            let line = lineStart..<contentEnd
            let nextLine = lineFeed + 1
            switch mode {
            case .idle:
                if line.isEmpty {
                    lineStart = nextLine
                    messageStart = nextLine
                    continue
                }
                let colon = firstColon(in: line)
                if startsWith(line, Self.bannerBytes) || (!sawFirstLine && colon == nil) {
                    sawFirstLine = true
                    let banner = AMIMessage(kind: .banner, body: decode(line, asUTF8: isUTF8(line)))
                    lineStart = nextLine
                    messageStart = nextLine
                    return .message(banner)
                }
                sawFirstLine = true
                mode = startMode(for: line, colon: colon)
                if mode == .headers {
                    beginLocating()
                    locate(line, colon: colon)
                }
                lineStart = nextLine
            case .headers:
                if line.isEmpty {
                    let decoded = finishBlock(messageStart..<lineStart)
                    finishMessage(at: nextLine)
                    return decoded
                }
                locate(line, colon: firstColon(in: line))
                lineStart = nextLine
                if nextLine - messageStart > limits.maximumMessageBytes {
                    discardedByteCount += nextLine - messageStart
                    messageStart = nextLine
                    mode = .skipping
                }
            case .skipping:
                lineStart = nextLine
                messageStart = nextLine
                if line.isEmpty { mode = .idle }
            case .follows(let previousLineBlank):
                if endsWith(line, Self.markerBytes) {
                    let message = parseFollows(messageStart..<(contentEnd - Self.markerBytes.count), truncated: false)
                    finishMessage(at: nextLine)
                    return .message(message)
                }
                if previousLineBlank && (startsWithKey(line, "response") || startsWithKey(line, "event")) {
                    let message = parseFollows(messageStart..<lineStart, truncated: true)
                    mode = .idle
                    messageStart = lineStart
                    return .message(message)
                }
                if nextLine - messageStart > limits.maximumBodyBytes {
                    let message = parseFollows(messageStart..<nextLine, truncated: true)
                    finishMessage(at: nextLine)
                    mode = .skipping
                    return .message(message)
                }
                mode = .follows(previousLineBlank: line.isEmpty)
                lineStart = nextLine
            }
        }
    }

    // MARK: - Locating headers

    private mutating func beginLocating() {
        // One hostile message of many tiny lines must not keep its table for the life of the link.
        if located.capacity > Self.retainedFieldCapacity {
            located = []
            located.reserveCapacity(64)
        } else {
            located.removeAll(keepingCapacity: true)
        }
        everyLineHasColon = true
    }

    /// Records where a header line's name and value lie (relative to the message start).
    private mutating func locate(_ line: Range<Int>, colon: Int?) {
        guard let colon else {
            everyLineHasColon = false
            return
        }
        var valueStart = colon + 1
        if valueStart < line.upperBound && buffer[valueStart] == Self.space { valueStart += 1 }
        let base = messageStart
        located.append(
            AMIMessage.Field(
                nameStart: Int32(line.lowerBound - base), nameEnd: Int32(colon - base),
                valueStart: Int32(valueStart - base), valueEnd: Int32(line.upperBound - base)))
    }

    /// The located block of an event, reply or action; anything else (a line without a colon, another first key)
    /// is parsed the slow way.
    private func finishBlock(_ block: Range<Int>) -> Decoded {
        guard everyLineHasColon, let first = located.first else { return .message(parseBlock(block)) }
        let name = block.lowerBound + Int(first.nameStart)..<block.lowerBound + Int(first.nameEnd)
        guard let kind = kind(named: name) else { return .message(parseBlock(block)) }
        return .block(kind: kind, range: block, isUTF8: isUTF8(block))
    }

    /// The kind a block's first key makes it: `Event`, `Response` or `Action` (any case); nil for any other key.
    private func kind(named name: Range<Int>) -> AMIMessage.Kind? {
        if equalsKey(name, "event") { return .event }
        if equalsKey(name, "response") { return .response }
        if equalsKey(name, "action") { return .action }
        return nil
    }

    private func equalsKey(_ range: Range<Int>, _ key: StaticString) -> Bool {
        buffer.withUnsafeBufferPointer { bytes in
            AMIHeader.equalsIgnoringASCIICase(UnsafeBufferPointer(rebasing: bytes[range]), key)
        }
    }

    /// The most header slots kept between messages.
    static let retainedFieldCapacity = 4096

    // MARK: - Scanning

    private func findLineFeed(from start: Int) -> Int? {
        guard start < buffer.count else { return nil }
        return buffer.withUnsafeBufferPointer { pointer -> Int? in
            let base = pointer.baseAddress!
            guard let found = memchr(base + start, Int32(Self.lf), pointer.count - start) else { return nil }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// A line without a line feed may grow without bound (garbage without newlines); discard it past the limit.
    private mutating func boundPartialLine() {
        guard buffer.count - messageStart > limits.maximumMessageBytes else { return }
        discardedByteCount += buffer.count - messageStart
        messageStart = buffer.count
        lineStart = buffer.count
        mode = .skipping
    }

    private mutating func finishMessage(at nextLine: Int) {
        mode = .idle
        lineStart = nextLine
        messageStart = nextLine
    }

    private mutating func compactIfWorthwhile() {
        guard messageStart > 0, messageStart >= 65_536 || messageStart == buffer.count,
            messageStart * 2 >= buffer.count
        else { return }
        buffer.removeSubrange(0..<messageStart)
        lineStart -= messageStart
        messageStart = 0
        // After an oversized message the buffer gives its room back, so that one hostile message does not keep
        // megabytes for the life of the link.
        if buffer.capacity > Self.retainedCapacity, buffer.count * 4 < buffer.capacity {
            var smaller: [UInt8] = []
            smaller.reserveCapacity(max(buffer.count, 4096))
            smaller.append(contentsOf: buffer)
            buffer = smaller
            shrinkCount += 1
        }
    }

    /// The room the buffer keeps between messages; more is given back once the messages that needed it are done.
    static let retainedCapacity = 256 * 1024

    private mutating func startMode(for line: Range<Int>, colon: Int?) -> Mode {
        guard let colon else { return .headers }
        if startsWithKey(line, "event") {
            if isDropped(trimmed(colon + 1..<line.upperBound)) {
                droppedEventCount += 1
                return .skipping
            }
            return .headers
        }
        if startsWithKey(line, "response") {
            let value = trimmed(colon + 1..<line.upperBound)
            if AMIHeader.equalsIgnoringASCIICase(buffer[value], "follows".utf8) {
                return .follows(previousLineBlank: false)
            }
        }
        return .headers
    }

    private func isDropped(_ name: Range<Int>) -> Bool {
        buffer.withUnsafeBufferPointer { bytes in
            let value = UnsafeBufferPointer(rebasing: bytes[name])
            for dropped in droppedNames where AMIHeader.equalsIgnoringASCIICase(value, lowercased: dropped) {
                return true
            }
            for prefix in droppedPrefixes where prefix.count <= value.count {
                if AMIHeader.equalsIgnoringASCIICase(
                    UnsafeBufferPointer(rebasing: value[..<prefix.count]), lowercased: prefix)
                {
                    return true
                }
            }
            return false
        }
    }

    private func firstColon(in line: Range<Int>) -> Int? {
        guard !line.isEmpty else { return nil }
        return buffer.withUnsafeBufferPointer { bytes -> Int? in
            let base = bytes.baseAddress!
            guard let found = memchr(base + line.lowerBound, Int32(Self.colon), line.count) else { return nil }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
    }

    private func trimmed(_ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper && (buffer[lower] == Self.space || buffer[lower] == 0x09) { lower += 1 }
        while upper > lower && (buffer[upper - 1] == Self.space || buffer[upper - 1] == 0x09) { upper -= 1 }
        return lower..<upper
    }

    private func startsWith(_ line: Range<Int>, _ prefix: [UInt8]) -> Bool {
        line.count >= prefix.count && buffer[line.lowerBound..<line.lowerBound + prefix.count].elementsEqual(prefix)
    }

    private func endsWith(_ line: Range<Int>, _ suffix: [UInt8]) -> Bool {
        line.count >= suffix.count && buffer[line.upperBound - suffix.count..<line.upperBound].elementsEqual(suffix)
    }

    /// True when the line starts with `key:` (case-insensitive).
    private func startsWithKey(_ line: Range<Int>, _ key: StaticString) -> Bool {
        let count = key.utf8CodeUnitCount
        guard line.count > count, buffer[line.lowerBound + count] == Self.colon else { return false }
        return equalsKey(line.lowerBound..<line.lowerBound + count, key)
    }

    // MARK: - Parsing complete blocks

    private func isUTF8(_ range: Range<Int>) -> Bool {
        buffer.withUnsafeBufferPointer { bytes in
            let slice = UnsafeBufferPointer(rebasing: bytes[range])
            if ASCIIBytes.isASCII(slice) { return true }
            return String(validating: slice, as: UTF8.self) != nil
        }
    }

    private func decode(_ range: Range<Int>, asUTF8: Bool) -> String {
        if asUTF8 { return String(decoding: buffer[range], as: UTF8.self) }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: buffer[range].map { Unicode.Scalar($0) })
        return String(view)
    }

    /// The content ranges of the lines of `block` (line ends removed).
    private func lines(of block: Range<Int>) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = block.lowerBound
        while start < block.upperBound {
            var end = buffer[start..<block.upperBound].firstIndex(of: Self.lf) ?? block.upperBound
            let next = end + 1
            if end > start && buffer[end - 1] == Self.cr { end -= 1 }
            result.append(start..<end)
            start = next
        }
        return result
    }

    private func header(_ line: Range<Int>, utf8: Bool) -> AMIHeader? {
        guard let colon = firstColon(in: line) else { return nil }
        var valueStart = colon + 1
        if valueStart < line.upperBound && buffer[valueStart] == Self.space { valueStart += 1 }
        return AMIHeader(
            decode(line.lowerBound..<colon, asUTF8: utf8), decode(valueStart..<line.upperBound, asUTF8: utf8))
    }

    /// A header block found not to be a plain event, reply or action: parsed line by line.
    private func parseBlock(_ block: Range<Int>) -> AMIMessage {
        let utf8 = isUTF8(block)
        let blockLines = lines(of: block)
        guard let first = blockLines.first, let colon = firstColon(in: first) else {
            let text = blockLines.map { decode($0, asUTF8: utf8) }.joined(separator: "\n")
            return AMIMessage(kind: .opaque, body: text)
        }
        guard let kind = kind(named: first.lowerBound..<colon) else {
            let headers = blockLines.compactMap { header($0, utf8: utf8) }
            return AMIMessage(
                kind: .opaque, headers: headers,
                body: blockLines.map { decode($0, asUTF8: utf8) }.joined(separator: "\n"))
        }
        let base = block.lowerBound
        var fields: [AMIMessage.Field] = []
        fields.reserveCapacity(blockLines.count)
        for line in blockLines {
            guard let colon = firstColon(in: line) else { continue }
            var valueStart = colon + 1
            if valueStart < line.upperBound && buffer[valueStart] == Self.space { valueStart += 1 }
            fields.append(
                AMIMessage.Field(
                    nameStart: Int32(line.lowerBound - base), nameEnd: Int32(colon - base),
                    valueStart: Int32(valueStart - base), valueEnd: Int32(line.upperBound - base)))
        }
        return AMIMessage(kind: kind, bytes: Array(buffer[block]), fields: fields, isUTF8: utf8)
    }

    /// `Response: Follows`, then `Privilege:`/`ActionID:` headers, then raw text.
    private func parseFollows(_ block: Range<Int>, truncated: Bool) -> AMIMessage {
        let utf8 = isUTF8(block)
        var headers: [AMIHeader] = []
        var bodyStart = block.upperBound
        var start = block.lowerBound
        var isFirst = true
        while start < block.upperBound {
            let lineFeed = buffer[start..<block.upperBound].firstIndex(of: Self.lf) ?? block.upperBound
            var end = lineFeed
            if end > start && buffer[end - 1] == Self.cr { end -= 1 }
            let line = start..<end
            guard isFirst || startsWithKey(line, "privilege") || startsWithKey(line, "actionid"),
                let parsed = header(line, utf8: utf8)
            else {
                bodyStart = start
                break
            }
            headers.append(parsed)
            isFirst = false
            start = min(lineFeed + 1, block.upperBound)
        }
        var bodyEnd = block.upperBound
        if truncated {
            // Drop the empty line that preceded the recovery point.
            if bodyEnd > bodyStart && buffer[bodyEnd - 1] == Self.lf { bodyEnd -= 1 }
            if bodyEnd > bodyStart && buffer[bodyEnd - 1] == Self.cr { bodyEnd -= 1 }
        }
        let body = bodyStart < bodyEnd ? decode(bodyStart..<bodyEnd, asUTF8: utf8) : ""
        return AMIMessage(kind: .follows, headers: headers, body: body, truncated: truncated)
    }
}
