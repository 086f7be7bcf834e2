extension Duration {
    /// The duration in whole milliseconds (rounded toward zero), for times kept as milliseconds since the epoch.
    public var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}

extension EventTime {
    /// This time moved by `duration` (back when negative).
    public func adding(_ duration: Duration) -> EventTime {
        EventTime(millisecondsSinceEpoch: millisecondsSinceEpoch + duration.wholeMilliseconds)
    }
}
