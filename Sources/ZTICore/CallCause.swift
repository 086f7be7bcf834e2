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

    /// The cause for a CSTA `EventCause` (Avaya DMCC `cause`), e.g. `busy`, `destNotObtainable`; nil for causes
    /// that describe a normal step of a call (`newCall`, `transfer`, …) rather than an outcome.
    public init?(cstaCause cause: String) {
        switch cause {
        case "normalClearing", "callCleared": self = .normal
        case "busy", "callBack": self = .busy
        case "noAnswer", "callNotAnswered", "timeout": self = .noAnswer
        case "callCancelled", "abandoned": self = .cancelled
        case "callPickup": self = .answeredElsewhere
        case "doNotDisturb", "blocked", "incompatibleDestination", "callRejected": self = .rejected
        case "outOfService", "networkOutOfService", "networkNotObtainable", "destOutOfOrder": self = .unavailable
        case "destNotObtainable", "invalidNumberFormat", "numberChanged", "unknownDestination": self = .invalid
        case "trunksBusy", "resourcesNotAvailable", "reorderTone", "networkCongestion": self = .congestion
        case "redirected", "callForward", "callForwardImmediate", "callForwardBusy", "callForwardNoAnswer",
            "callForwardAlways", "forwarded", "coverage":
            self = .diverted
        case "newCall", "makeCall", "transfer", "conference", "singleStepTransfer", "singleStepConference",
            "consultation", "alternate", "recall", "enteringDistribution", "distributed", "overflow",
            "networkSignal", "keyOperation", "activeParticipation":
            return nil
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
