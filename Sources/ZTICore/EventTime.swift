import FoundationEssentials

/// An instant with millisecond precision, written as `yyyy-MM-ddTHH:mm:ss.SSSZ` in UTC.
///
/// Formatting is done by hand (civil-from-days) so it is exact, locale-free and cheap on the event path.
public struct EventTime: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public let millisecondsSinceEpoch: Int64

    /// The range of representable times: years 0001 to 9999, the years the canonical format can write.
    public static let representable: ClosedRange<Int64> = -62_135_596_800_000...253_402_300_799_999

    /// Creates a time from milliseconds since the Unix epoch, clamped to ``representable`` so that a wild PBX
    /// timestamp can neither overflow the arithmetic nor produce text outside the format.
    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = min(
            max(millisecondsSinceEpoch, Self.representable.lowerBound), Self.representable.upperBound)
    }

    /// The current wall-clock time.
    public static func now() -> EventTime {
        EventTime(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// Parses `yyyy-MM-ddTHH:mm:ss.SSSZ`; nil for anything else.
    public init?(_ text: String) {
        var text = text
        guard let time = text.withUTF8({ EventTime(canonical: $0) }) else { return nil }
        self = time
    }

    /// Parses the canonical text from its UTF-8 bytes.
    public init?(canonical bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count == 24, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54, bytes[13] == 0x3A,
            bytes[16] == 0x3A, bytes[19] == 0x2E, bytes[23] == 0x5A
        else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let byte = bytes[index]
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), year >= 1, let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            let millisecond = number(20..<23), (1...12).contains(month), (1...31).contains(day), hour < 24,
            minute < 60, second < 60
        else { return nil }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        guard Self.civilFromDays(days) == (year, month, day) else { return nil }
        self.init(millisecondsSinceEpoch: ((days * 86_400 + hour * 3600 + minute * 60 + second) * 1000) + millisecond)
    }

    /// The canonical text, e.g. `2026-11-25T09:30:00.123Z`.
    public var description: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        writeCanonical(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the canonical text's 24 bytes (the year is 0001…9999: ``representable`` keeps it there).
    public func writeCanonical(into output: inout [UInt8]) {
        let milliseconds = millisecondsSinceEpoch.modulo(1000)
        let totalSeconds = (millisecondsSinceEpoch - milliseconds) / 1000
        let secondOfDay = totalSeconds.modulo(86_400)
        let days = (totalSeconds - secondOfDay) / 86_400
        let (year, month, day) = Self.civilFromDays(days)
        func digits(_ value: Int64, _ count: Int, then separator: UInt8?) {
            var divisor: Int64 = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                output.append(0x30 + UInt8(truncatingIfNeeded: value / divisor % 10))
                divisor /= 10
            }
            if let separator { output.append(separator) }
        }
        digits(year, 4, then: 0x2D)
        digits(month, 2, then: 0x2D)
        digits(day, 2, then: 0x54)
        digits(secondOfDay / 3600, 2, then: 0x3A)
        digits(secondOfDay / 60 % 60, 2, then: 0x3A)
        digits(secondOfDay % 60, 2, then: 0x2E)
        digits(milliseconds, 3, then: 0x5A)
    }

    public static func < (lhs: EventTime, rhs: EventTime) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    /// Whole seconds from `self` to `later` (rounded down, never negative).
    public func wholeSeconds(until later: EventTime) -> Int {
        Int(max(0, later.millisecondsSinceEpoch - millisecondsSinceEpoch) / 1000)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let time = EventTime(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected a time as yyyy-MM-ddTHH:mm:ss.SSSZ")
        }
        self = time
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    // Howard Hinnant's days_from_civil / civil_from_days, proleptic Gregorian.
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Int64 {
    fileprivate func modulo(_ divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
