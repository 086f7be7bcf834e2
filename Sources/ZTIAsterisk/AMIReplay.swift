import ZTICore

/// Offline normalization of a captured AMI stream: what `ztisup replay` prints, and what the transcript tests
/// compare with their golden files.
///
/// Messages without a `Timestamp:` get a clock that starts at the Unix epoch and advances 1 ms per message (the
/// banner aside), so the output is byte-for-byte repeatable.
public enum AMIReplay {
    /// The outcome of a replay.
    public struct Result: Sendable {
        /// The events, in order.
        public let events: [CallEvent]
        /// Lifecycles still open at the end of the input (`callId/extension/attempt`); they are not closed.
        public let openLifecycles: [String]
        /// The family used: the banner's, the one given, or the one the first telling events showed.
        public let family: AMIFamily
        /// How it was decided (`assumed`: nothing told it, 12+ was taken).
        public let familySource: AMIFamilyInference.Source
        /// Channel events read (events with a `Uniqueid`), whatever the tracker made of them.
        public let callEventsRead: Int
    }

    /// Replays `chunks` (the capture, in any fragmentation) for the members of `directory`; `family` overrides
    /// the detection (banner, then the first telling events).
    public static func run(
        _ chunks: some Sequence<ArraySlice<UInt8>>, directory: MemberDirectory, family: AMIFamily? = nil
    ) -> Result {
        var decoder = AMIDecoder()
        // 1.4 needs Newexten; until the family is known it is kept (the tracker ignores it for the others).
        if family == nil || family == .v14 { decoder.stopDropping("Newexten") }
        var tracker = AsteriskCallTracker.detecting(directory: directory)
        var events: [CallEvent] = []
        if let family { events += tracker.fix(family) }
        var clock: Int64 = 0
        var callEventsRead = 0
        for chunk in chunks {
            decoder.feed(chunk)
            while let message = decoder.next() {
                // The banner takes no time: a capture gives the same times with it and without it.
                if message.kind != .banner { clock += 1 }
                if message.kind == .event, message["Uniqueid"] != nil { callEventsRead += 1 }
                events += tracker.handle(message, receivedAt: EventTime(millisecondsSinceEpoch: clock))
            }
        }
        if tracker.isUndecided { events += tracker.decide(.v12, source: .assumed) }
        return Result(
            events: events, openLifecycles: tracker.openLifecycles, family: tracker.family,
            familySource: tracker.familySource, callEventsRead: callEventsRead)
    }
}
