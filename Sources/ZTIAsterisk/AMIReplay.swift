import ZTICore

/// Offline normalization of a captured AMI stream: what `ztisup replay` prints, and what the transcript tests
/// compare with their golden files.
///
/// Messages without a `Timestamp:` get a clock that starts at the Unix epoch and advances 1 ms per message, so
/// the output is byte-for-byte repeatable.
public enum AMIReplay {
    /// The outcome of a replay.
    public struct Result: Sendable {
        /// The events, in order.
        public let events: [CallEvent]
        /// Lifecycles still open at the end of the input (`callId/extension/attempt`); they are not closed.
        public let openLifecycles: [String]
        /// The family the stream's banner named (or the default).
        public let family: AMIFamily
    }

    /// Replays `chunks` (the capture, in any fragmentation) for the members of `directory`.
    public static func run(_ chunks: some Sequence<ArraySlice<UInt8>>, directory: MemberDirectory) -> Result {
        var decoder = AMIDecoder()
        var tracker = AsteriskCallTracker(directory: directory)
        var clock: Int64 = 0
        var events: [CallEvent] = []
        for chunk in chunks {
            decoder.feed(chunk)
            while let message = decoder.next() {
                clock += 1
                events += tracker.handle(message, receivedAt: EventTime(millisecondsSinceEpoch: clock))
                if message.kind == .banner && tracker.family == .v14 { decoder.stopDropping("Newexten") }
            }
        }
        return Result(events: events, openLifecycles: tracker.openLifecycles, family: tracker.family)
    }
}
