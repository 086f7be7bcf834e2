/// Turns swift-log metadata keys into journal field names that journald keeps.
///
/// journald silently drops names that are not `[A-Z0-9_]`, start with `_` or a digit, or exceed 64 characters,
/// so `callId` becomes `ZTI_CALL_ID` and `sl-service` becomes `ZTI_SL_SERVICE`.
public enum JournalFieldName {
    /// The prefix of ztisup's own fields.
    public static let prefix = "ZTI_"

    /// The journal field name for metadata key `key`.
    public static func sanitize(_ key: String) -> String {
        var name = ""
        var previous: Character?
        for character in key {
            if character.isUppercase, let previous, previous.isLowercase || previous.isNumber {
                name.append("_")
            }
            if character.isASCII && (character.isLetter || character.isNumber) {
                name += character.uppercased()
            } else {
                name.append("_")
            }
            previous = character
        }
        while name.hasPrefix("_") { name.removeFirst() }
        if !name.hasPrefix(prefix) { name = prefix + name }
        return String(name.prefix(64))
    }
}
