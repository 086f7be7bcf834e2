/// One entry of `pbx.dialcodes`: a free destination label and the digits dialled before the number.
public struct DialCode: Sendable, Equatable, Codable {
    /// The label, e.g. `LOCAL` or `LONGDIS`.
    public let destination: String
    /// The prefix, digits, `*` and `#` only.
    public let code: String

    /// Creates a dial code.
    public init(destination: String, code: String) {
        self.destination = destination
        self.code = code
    }
}
