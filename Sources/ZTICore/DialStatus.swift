/// The outcome a `DIAL_RESULT` carries: first `accepted` or `refused` at once, later one final result.
public enum DialStatus: String, Sendable, Codable, CaseIterable {
    case accepted, refused
    case answered, busy, noAnswer, rejected, unavailable, invalid, congestion, failed

    /// True for the immediate answer (`accepted`, `refused`), false for the final result of the call.
    public var isImmediate: Bool { self == .accepted || self == .refused }

    /// The final status for a call that ended with `cause` before the member's party answered.
    public init(failure cause: CallCause) {
        switch cause {
        case .busy: self = .busy
        case .noAnswer, .cancelled: self = .noAnswer
        case .rejected: self = .rejected
        case .unavailable: self = .unavailable
        case .invalid: self = .invalid
        case .congestion: self = .congestion
        case .normal, .answeredElsewhere, .diverted, .failed, .unknown: self = .failed
        }
    }
}
