/// Who places a click-to-dial call: the group and member that a CRM user (or a `user.X` key) resolves to. A CRM
/// user may belong to several groups; the membership marked `user.X.default = true` places the call, or the only
/// one when there is just one.
public struct ClickToDialTarget: Sendable, Equatable {
    public let group: GroupConfig
    public let user: UserConfig

    public static func == (lhs: ClickToDialTarget, rhs: ClickToDialTarget) -> Bool {
        lhs.group.key == rhs.group.key && lhs.user.key == rhs.user.key
    }

    /// The member for `name`: a CRM user id, or a `user.X` key.
    ///
    /// - Throws: ``ZTICoreError/Code/dialUserUnknown`` naming what was looked for and why nothing matched.
    public static func resolve(_ name: String, in groups: [GroupConfig]) throws(ZTICoreError) -> ClickToDialTarget {
        var memberships = groups.flatMap { group in
            group.users.filter { $0.crmUser == name }.map { ClickToDialTarget(group: group, user: $0) }
        }
        let byKey = memberships.isEmpty
        if memberships.isEmpty {
            memberships = groups.flatMap { group in
                group.users.filter { $0.key == name }.map { ClickToDialTarget(group: group, user: $0) }
            }
        }
        let shown = DialPlan.shown(name)
        switch memberships.count {
        case 0:
            throw ZTICoreError(
                .dialUserUnknown, "\"\(shown)\" is no group member's CRM user (user.X.crmuser) nor a user.X key")
        case 1:
            return memberships[0]
        default:
            let defaults = memberships.filter(\.user.isDefault)
            if defaults.count == 1 { return defaults[0] }
            let places = memberships.map { "\($0.group.key)/user.\($0.user.key)" }.joined(separator: ", ")
            if defaults.isEmpty {
                throw ZTICoreError(
                    .dialUserUnknown,
                    "\"\(shown)\" is a member of several groups (\(places)) and none is marked user.X.default = true")
            }
            let marked = defaults.map { "\($0.group.key)/user.\($0.user.key)" }.joined(separator: ", ")
            if byKey {
                throw ZTICoreError(
                    .dialUserUnknown,
                    "\"\(shown)\" is the user.X key of members of several groups, and more than one is marked "
                        + "user.X.default = true (\(marked)), each for its own CRM user: name the CRM user "
                        + "(user.X.crmuser) to say which")
            }
            throw ZTICoreError(
                .dialUserUnknown,
                "\"\(shown)\" is marked user.X.default = true in several groups (\(marked)); a CRM user is the "
                    + "default in one place only (check-config refuses this configuration)")
        }
    }
}
