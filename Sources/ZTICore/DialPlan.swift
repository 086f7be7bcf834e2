/// Click-to-dial numbers: from a CRM user's request to the exact digits the PBX dials.
///
/// The number is cleaned (spaces, `-`, `.`, `(` and `)` dropped) and must then be `+?[0-9*#]{1,32}`; anything
/// else, CR and LF included, is refused, so nothing a CRM sends can reach an AMI or DMCC message as structure.
/// The user's dial code (or the one the request names) is prefixed; `noprefix` dials the cleaned number as it
/// is; `none` makes the request name one. When a code is prefixed to a `+` number, the `+` form is first made
/// dialable with the group's prefixes (see ``NumberPlan/dialable(_:)``).
public enum DialPlan {
    /// The longest number accepted, in dial characters.
    public static let maximumLength = 32

    /// The string to dial for `number` on behalf of `user` of `group`.
    ///
    /// - Parameter dialCode: the code the request names: a destination of `pbx.dialcodes`, or `noprefix`;
    ///   nil for the user's own policy.
    /// - Throws: ``ZTICoreError`` with ``ZTICoreError/Code/dialNumberInvalid``,
    ///   ``ZTICoreError/Code/dialCodeUnknown`` or ``ZTICoreError/Code/dialCodeRequired``.
    public static func dialString(group: GroupConfig, user: UserConfig, number: String, dialCode: String?)
        throws(ZTICoreError) -> String
    {
        let cleaned = try clean(number)
        let policy: DialCodePolicy
        if let dialCode {
            policy = dialCode == "noprefix" ? .noPrefix : .code(dialCode)
        } else {
            policy = user.dialCode
        }
        switch policy {
        case .noPrefix:
            return cleaned
        case .askEachTime:
            throw ZTICoreError(
                .dialCodeRequired,
                "user \(user.key) of group \(group.key) must choose a dial code for each call; choose one of "
                    + choices(group))
        case .code(let name):
            guard let code = group.dialCode(named: name) else {
                throw ZTICoreError(
                    .dialCodeUnknown,
                    "group \(group.key) has no dial code \"\(shown(name))\"; choose one of " + choices(group))
            }
            return code.code + group.numbers.dialable(cleaned)
        }
    }

    /// The number without formatting characters, or an error when it is not `+?[0-9*#]{1,32}`.
    public static func clean(_ number: String) throws(ZTICoreError) -> String {
        let cleaned = NumberPlan.stripFormatting(number)
        let body = cleaned.hasPrefix("+") ? cleaned.dropFirst() : Substring(cleaned)
        guard (1...maximumLength).contains(body.count), body.allSatisfy({ $0.isASCIIDigit || $0 == "*" || $0 == "#" })
        else {
            throw ZTICoreError(
                .dialNumberInvalid,
                "the number \"\(shown(number))\" cannot be dialled: expected an optional + and 1 to \(maximumLength) "
                    + "digits, * or # (spaces, -, ., ( and ) are ignored)")
        }
        return cleaned
    }

    /// The choices a request may name, e.g. `LOCAL (9), LONGDIS (1000) or noprefix`.
    static func choices(_ group: GroupConfig) -> String {
        let names = group.dialCodes.map { "\($0.destination) (\($0.code))" } + ["noprefix"]
        return names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    /// `number` without the longest of `codes` it starts with (when something remains): an outbound call's `to`.
    public static func withoutDialCode(_ number: String, codes: [String]) -> String {
        for code in codes.sorted(by: { $0.count > $1.count }) where number.hasPrefix(code) && number.count > code.count
        {
            return String(number.dropFirst(code.count))
        }
        return number
    }

    /// A request value as it may appear in a message: escaped and at most 40 characters.
    public static func shown(_ text: String) -> String {
        let printable = ConfigDiagnostic.printable(String(text.prefix(40)))
        return text.count > 40 ? printable + "…" : printable
    }
}
