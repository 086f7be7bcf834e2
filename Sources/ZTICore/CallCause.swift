/// Why a lifecycle ended, normalized across PBXs (the architecture's cause table).
public enum CallCause: String, Sendable, Codable, CaseIterable {
    case normal, busy, noAnswer, cancelled, answeredElsewhere, rejected, unavailable, invalid, congestion, diverted,
        failed, unknown

    /// The cause for an Asterisk `DialStatus` (`Dial` application / `DialEnd`); nil for an unknown word.
    ///
    /// `CANCEL` is `cancelled` here; the tracker turns it into `answeredElsewhere` when another leg answered.
    public init?(asteriskDialStatus status: String) {
        switch status.uppercased() {
        case "ANSWER": self = .normal
        case "BUSY": self = .busy
        case "NOANSWER": self = .noAnswer
        case "CANCEL": self = .cancelled
        case "CHANUNAVAIL": self = .unavailable
        case "INVALIDARGS": self = .invalid
        case "CONGESTION": self = .congestion
        case "DONTCALL", "TORTURE", "ABORT": self = .failed
        default: return nil
        }
    }

    /// The cause for a Q.850 hangup cause code, as Asterisk reports it in `Cause:`.
    public init(q850 code: Int) {
        switch code {
        case 16: self = .normal
        case 17: self = .busy
        case 19: self = .noAnswer
        case 20: self = .unavailable
        case 21: self = .rejected
        case 26: self = .answeredElsewhere
        case 1, 28: self = .invalid
        case 34: self = .congestion
        default: self = .failed
        }
    }

    /// The word Zoho PhoneBridge takes for a dialled call's failure and for `clicktodialerror`, if any.
    public var zohoFailure: String? {
        switch self {
        case .busy: "busy"
        case .noAnswer: "noanswer"
        case .rejected: "rejected"
        case .unavailable, .congestion, .failed: "notavailable"
        case .invalid: "invalid"
        case .normal, .cancelled, .answeredElsewhere, .diverted, .unknown: nil
        }
    }
}
