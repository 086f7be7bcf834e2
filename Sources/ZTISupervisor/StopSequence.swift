import Glibc

/// How a child is stopped, as data: a first signal, a grace period, then SIGKILL.
public struct StopSequence: Sendable, Equatable {
    public var signal: Int32
    public var grace: Duration

    public init(signal: Int32 = SIGTERM, grace: Duration) {
        self.signal = signal
        self.grace = grace
    }
}
