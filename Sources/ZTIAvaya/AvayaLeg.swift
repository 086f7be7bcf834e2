/// A member's leg on CM, as an Avaya `EVENT` names it in its `resumeKey`: the CM call ID and the member's
/// extension, and the UCID when one is known (`cm:<callID>:<extension>[:<ucid>]`). CM reuses call IDs once a call
/// is gone, so a leg without a UCID is only trusted while its call is recent.
public struct AvayaLeg: Sendable, Hashable {
    public let callID: String
    public let `extension`: String
    public let ucid: String?

    public init(callID: String, extension extensionNumber: String, ucid: String?) {
        self.callID = callID
        self.extension = extensionNumber
        self.ucid = ucid.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The key, or nil when a part would not survive the round trip (empty, or holding the separator).
    public var resumeKey: String? {
        func fits(_ part: String) -> Bool { !part.isEmpty && !part.utf8.contains(0x3A) }
        guard fits(callID), fits(`extension`), ucid.map(fits) ?? true else { return nil }
        var key = "cm:" + callID + ":" + `extension`
        if let ucid { key += ":" + ucid }
        return key
    }

    /// The leg a key names; nil for a key that is not an Avaya leg (an Asterisk Uniqueid, garbage).
    public init?(resumeKey: String) {
        let parts = resumeKey.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.first == "cm", (3...4).contains(parts.count), parts.dropFirst().allSatisfy({ !$0.isEmpty })
        else { return nil }
        self.init(callID: parts[1], extension: parts[2], ucid: parts.count == 4 ? parts[3] : nil)
    }
}
