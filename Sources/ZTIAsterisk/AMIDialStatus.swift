import ZTICore

/// How a dial leg ended, as `DialStatus` says it (`ANSWER`, `BUSY`, `NOANSWER`, `CANCEL`, `CHANUNAVAIL`, …): the
/// text kept as received (upper-cased), since a dialplan or a later release may send one this release does not
/// know; the ones the tracker acts on are named.
public struct AMIDialStatus: Sendable, Equatable, CustomStringConvertible {
    /// The status as received, upper-cased.
    public let text: String

    public init(_ text: String) {
        self.text = text.uppercased()
    }

    public static let answer = AMIDialStatus("ANSWER")
    public static let cancel = AMIDialStatus("CANCEL")
    public static let noAnswer = AMIDialStatus("NOANSWER")

    /// The call cause it stands for, if it is one Asterisk documents.
    public var cause: CallCause? { CallCause(asteriskDialStatus: text) }

    /// A status that makes an outbound dial fail (anything but answered or cancelled by the caller).
    public var isFailure: Bool { self != .answer && self != .cancel }

    public var description: String { text }
}
