import Testing

@testable import ZTICore

/// E.164 conversion and the internal-number pattern.
@Suite struct NumberPlanTests {
    @Test func japan() throws {
        let plan = try NumberPlan(countryCode: "81", internationalPrefix: "010")
        #expect(plan.e164("03-1234-5678") == "+81312345678")
        #expect(plan.e164("090 1234 5678") == "+819012345678")
        #expect(plan.e164("010 1 415 555 0100") == "+14155550100")
        #expect(plan.e164("+44 20 7946 0000") == "+442079460000")
    }

    @Test func northAmerica() throws {
        let plan = try NumberPlan(countryCode: "1", nationalPrefix: "1", internationalPrefix: "011")
        #expect(plan.e164("1 (415) 555-0100") == "+14155550100")
        #expect(plan.e164("011 33 1 23 45 67 89") == "+33123456789")
    }

    @Test func theDefaultPrefixes() throws {
        let plan = try NumberPlan(countryCode: "49")
        #expect(plan.e164("030 1234567") == "+49301234567")
        #expect(plan.e164("0033 1 23456789") == "+33123456789")
    }

    @Test func internalShortWithheldAndUnconvertibleNumbersHaveNoE164Form() throws {
        let plan = try NumberPlan(countryCode: "81")
        #expect(plan.e164("101") == nil)
        #expect(plan.e164("123456") == nil)
        #expect(plan.e164("anonymous") == nil)
        #expect(plan.e164("") == nil)
        #expect(plan.e164("*72") == nil)
        #expect(plan.e164("+12") == nil)
        #expect(plan.e164("+1234567890123456") == nil)
        #expect(plan.e164("+0123456789") == nil)
        #expect(plan.e164("5551234567") == nil)
    }

    @Test func withoutACountryCodeOnlyInternationalNumbersConvert() throws {
        let plan = try NumberPlan(countryCode: nil)
        #expect(plan.e164("0312345678") == nil)
        #expect(plan.e164("0044 20 7946 0000") == "+442079460000")
    }

    @Test func theInternalPatternIsConfigurable() throws {
        let plan = try NumberPlan(countryCode: "81", internalPattern: "^(1[0-9]{2}|8[0-9]{3})$")
        #expect(plan.isInternal("101"))
        #expect(plan.isInternal("8001"))
        #expect(!plan.isInternal("42"))
        #expect(!plan.isInternal("0312345678"))
    }

    @Test func dialableUndoesE164() throws {
        let plan = try NumberPlan(countryCode: "81", internationalPrefix: "010")
        #expect(plan.dialable("+81312345678") == "0312345678")
        #expect(plan.dialable("+14155550100") == "01014155550100")
        #expect(plan.dialable("0312345678") == "0312345678")
    }

    @Test func theDefaultPatternsShortcutAgreesWithTheRegularExpression() throws {
        let shortcut = try NumberPlan(countryCode: "81")
        let regex = try NumberPlan(countryCode: "81", internalPattern: "^([0-9]{2,6})$")
        for number in ["1", "10", "101", "1 0 1", "(10)-1", "123456", "1234567", "10a", "", "+101", "*72", "١٢٣"] {
            #expect(shortcut.isInternal(number) == regex.isInternal(number), "\(number)")
        }
    }

    @Test func anInvalidPatternThrows() {
        #expect(throws: (any Error).self) { try NumberPlan(countryCode: nil, internalPattern: "([") }
    }
}
