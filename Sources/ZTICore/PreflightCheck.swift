/// One line of `ztisup check-config --connect`: a check against a live PBX or CRM and what it found.
public struct PreflightCheck: Sendable, Equatable, Codable {
    /// Passed, failed (with what to fix), or a fact to know that is neither.
    public enum Outcome: String, Sendable, Codable {
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

    /// The extensions a check found wrong, as one line: the first 20 of `items` joined by `separator`, with `…`
    /// for the rest, which a terminal line cannot hold (a group may have thousands).
    public static func listing(_ items: [String], separator: String) -> String {
        items.prefix(20).joined(separator: separator) + (items.count > 20 ? separator + "…" : "")
    }
}
