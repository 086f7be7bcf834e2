/// How a supervised child is restarted, as data (OTP-style): exponential backoff between spawns from `floor` to
/// `cap`, and at most `intensity` restarts in `period`, past which the child is `failed` and tried again only
/// after the period.
public struct RestartPolicy: Sendable, Equatable {
    public var floor: Duration
    public var cap: Duration
    public var intensity: Int
    public var period: Duration

    public init(floor: Duration, cap: Duration, intensity: Int, period: Duration) {
        self.floor = floor
        self.cap = max(floor, cap)
        self.intensity = max(1, intensity)
        self.period = period
    }
}
