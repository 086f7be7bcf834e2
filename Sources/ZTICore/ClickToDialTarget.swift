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
            guard defaults.count == 1 else {
                let places = memberships.map { "\($0.group.key)/user.\($0.user.key)" }.joined(separator: ", ")
                throw ZTICoreError(
                    .dialUserUnknown,
                    "\"\(shown)\" is a member of several groups (\(places)) and none is marked user.X.default = true")
            }
            return defaults[0]
        }
    }
}
