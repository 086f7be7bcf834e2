/// Which state Zoho gets for a call nobody answered: received `missed` and the dialled failure states
/// (`busy`, `noanswer`, …), which Zoho documents but the live API has been reported to refuse with a 400
/// (`crm.zoho.unanswered`).
public enum ZohoUnansweredPolicy: String, Sendable, Codable, CaseIterable {
    /// The documented state first; on a 400, `ended` with `duration=0`, and the org's refusal is remembered.
    case auto
    /// Only the documented state; a 400 makes a dead letter.
    case documented
    /// Always `ended` with `duration=0`.
    case ended
}
