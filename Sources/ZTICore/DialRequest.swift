/// A click-to-dial request already resolved to a group and extension, with the final digits to dial
/// (the `DIAL` frame). Workers re-check `number` and never add a prefix.
public struct DialRequest: Sendable, Equatable, Codable {
    /// The CRM's id for this request, echoed in results and in the outbound lifecycle's events.
    public let clickToDialId: String
    /// The group whose worker places the call.
    public let group: String
    /// The member extension whose phone rings first.
    public let `extension`: String
    /// The CRM user who asked.
    public let user: String
    /// The digits to dial, final (dial code applied).
    public let number: String

    /// Creates a request.
    public init(clickToDialId: String, group: String, extension extensionNumber: String, user: String, number: String) {
        self.clickToDialId = clickToDialId
        self.group = group
        self.extension = extensionNumber
        self.user = user
        self.number = number
    }

    /// The immediate result that refuses this request, with the reason.
    public func refused(_ reason: String) -> DialResult {
        DialResult(clickToDialId: clickToDialId, group: group, status: .refused, reason: reason)
    }

    /// Refuses a request whose number is not `+?[0-9*#]{1,32}` or whose identifiers hold control characters.
    public func validate() throws(ZTICoreError) {
        _ = try DialPlan.clean(number)
        guard NumberPlan.stripFormatting(number) == number else {
            throw ZTICoreError(.eventInvalid, "DIAL \(DialPlan.shown(clickToDialId)): the number is not final")
        }
        for (name, value) in [
            ("clickToDialId", clickToDialId), ("group", group), ("extension", `extension`), ("user", user),
        ] where value.isEmpty || ConfigValueParser.containsControlCharacter(value) {
            throw ZTICoreError(
                .eventInvalid, "DIAL \(DialPlan.shown(clickToDialId)): \(name) is empty or holds a control character")
        }
    }
}
