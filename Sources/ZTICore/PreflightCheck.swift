/// One line of `ztisup check-config --connect`: a check against a live PBX or CRM and what it found.
public struct PreflightCheck: Sendable, Equatable {
    /// Passed, failed (with what to fix), or a fact to know that is neither.
    public enum Outcome: String, Sendable {
        case pass = "ok"
        case fail = "FAIL"
        case note = "note"
    }

    public let outcome: Outcome
    /// What was checked, and what was found or what to fix.
    public let text: String

    public init(_ outcome: Outcome, _ text: String) {
        self.outcome = outcome
        self.text = text
    }
}
