import FoundationEssentials

/// How a group's numbers convert to E.164 and which parties count as internal (`number.*`,
/// `pbx.internal.pattern`).
public struct NumberPlan: Sendable, Codable {
    /// The country calling code, digits only (`number.countrycode`); without it national numbers stay as they are.
    public let countryCode: String?
    /// The trunk prefix of national numbers (`number.nationalprefix`, default `0`).
    public let nationalPrefix: String
    /// The prefix of international numbers (`number.internationalprefix`, default `00`).
    public let internationalPrefix: String
    /// The regular expression a number of an internal party matches (`pbx.internal.pattern`).
    public let internalPattern: String
    private let internalRegex: CompiledPattern

    /// The pattern used when `pbx.internal.pattern` is not set: 2 to 6 digits.
    public static let defaultInternalPattern = "^[0-9]{2,6}$"

    /// Creates a plan; throws when `internalPattern` is not a valid regular expression.
    public init(
        countryCode: String?, nationalPrefix: String = "0", internationalPrefix: String = "00",
        internalPattern: String = NumberPlan.defaultInternalPattern
    ) throws {
        self.countryCode = countryCode
        self.nationalPrefix = nationalPrefix
        self.internationalPrefix = internationalPrefix
        self.internalPattern = internalPattern
        self.internalRegex = CompiledPattern(try Regex(internalPattern))
    }

    private enum CodingKeys: String, CodingKey {
        case countryCode, nationalPrefix, internationalPrefix, internalPattern
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            countryCode: try container.decodeIfPresent(String.self, forKey: .countryCode),
            nationalPrefix: try container.decode(String.self, forKey: .nationalPrefix),
            internationalPrefix: try container.decode(String.self, forKey: .internationalPrefix),
            internalPattern: try container.decode(String.self, forKey: .internalPattern))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(countryCode, forKey: .countryCode)
        try container.encode(nationalPrefix, forKey: .nationalPrefix)
        try container.encode(internationalPrefix, forKey: .internationalPrefix)
        try container.encode(internalPattern, forKey: .internalPattern)
    }

    /// True when `number` (after removing formatting) matches `pbx.internal.pattern`.
    public func isInternal(_ number: String) -> Bool {
        if internalPattern == Self.defaultInternalPattern {
            // The default, 2 to 6 digits, without the regular-expression engine: this runs for every event.
            let text = Self.stripFormatting(number)
            return (2...6).contains(text.utf8.count) && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        }
        let text = Self.stripFormatting(number)
        return (try? internalRegex.regex.firstMatch(in: text)) != nil
    }

    /// The E.164 form (`+` and 7 to 15 digits) of an outside number, or nil for internal, short, withheld or
    /// unconvertible numbers.
    ///
    /// `+…` stays as it is; the international prefix becomes `+`; the national prefix becomes `+<countrycode>`.
    public func e164(_ number: String) -> String? {
        let cleaned = Self.stripFormatting(number)
        let digits: Substring
        if cleaned.hasPrefix("+") {
            digits = cleaned.dropFirst()
        } else if !cleaned.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) || isInternal(cleaned) {
            return nil
        } else if !internationalPrefix.isEmpty && cleaned.hasPrefix(internationalPrefix) {
            digits = cleaned.dropFirst(internationalPrefix.count)
        } else if let countryCode, !nationalPrefix.isEmpty, cleaned.hasPrefix(nationalPrefix) {
            digits = Substring(countryCode + cleaned.dropFirst(nationalPrefix.count))
        } else {
            return nil
        }
        guard (7...15).contains(digits.utf8.count), digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            digits.utf8.first != 0x30
        else {
            return nil
        }
        return "+" + digits
    }

    /// The form a PBX dials for an E.164 number: `+<countrycode>…` becomes national, other `+…` international.
    /// A number without `+` is returned as it is.
    public func dialable(_ number: String) -> String {
        guard number.hasPrefix("+") else { return number }
        let digits = number.dropFirst()
        if let countryCode, !nationalPrefix.isEmpty, digits.hasPrefix(countryCode) {
            return nationalPrefix + digits.dropFirst(countryCode.count)
        }
        return internationalPrefix + digits
    }

    /// Drops the formatting characters people and CRMs put in numbers: spaces, `-`, `.`, `(` and `)`.
    public static func stripFormatting(_ number: String) -> String {
        func isFormatting(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x2D || byte == 0x2E || byte == 0x28 || byte == 0x29
        }
        guard number.utf8.contains(where: isFormatting) else { return number }
        return String(decoding: number.utf8.filter { !isFormatting($0) }, as: UTF8.self)
    }
}

/// A compiled `number.internal` pattern. Swift's `Regex` is not `Sendable` when its output is type-erased (the
/// captures could hold anything), but the regex itself is immutable once compiled, and only matched here.
private final class CompiledPattern: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>

    init(_ regex: Regex<AnyRegexOutput>) {
        self.regex = regex
    }
}
