import Testing

@testable import ZTICore

/// Every branch of click-to-dial number resolution, and the injection attempts it must refuse.
@Suite struct DialPlanTests {
    let group: GroupConfig

    init() throws {
        let conf = ConfDirectory(groups: [
            "sales": ConfDirectory.validGroup + """
                pbx.dialcodes = LONGDIS:1000;LOCAL:9;STAR:*#
                number.countrycode = 81
                number.internationalprefix = 010
                user.alice.dialcode = LOCAL
                user.bob.crmuser = 200
                user.bob.extension = 102
                user.bob.dialcode = none
                user.carol.crmuser = 300
                user.carol.extension = 103
                user.carol.dialcode = noprefix

                """
        ])
        group = try #require(try conf.load().group("sales"))
    }

    private func user(_ key: String) -> UserConfig {
        group.users.first { $0.key == key }!
    }

    private func dial(_ userKey: String, _ number: String, code: String? = nil) throws(ZTICoreError) -> String {
        try DialPlan.dialString(group: group, user: user(userKey), number: number, dialCode: code)
    }

    private func failure(_ userKey: String, _ number: String, code: String? = nil) -> ZTICoreError? {
        do {
            _ = try dial(userKey, number, code: code)
            return nil
        } catch {
            return error
        }
    }

    @Test func theUsersDefaultCodeIsPrefixed() throws {
        #expect(try dial("alice", "03-1234-5678") == "90312345678")
    }

    @Test func formattingCharactersAreDropped() throws {
        #expect(try dial("carol", " (03) 1234.5678 - 9 ") == "0312345678" + "9")
    }

    @Test func aRequestedCodeWinsOverTheDefault() throws {
        #expect(try dial("alice", "0312345678", code: "LONGDIS") == "10000312345678")
        #expect(try dial("carol", "123", code: "STAR") == "*#123")
    }

    @Test func noprefixDialsTheNumberAsItIs() throws {
        #expect(try dial("carol", "+81 3 1234 5678") == "+81312345678")
        #expect(try dial("alice", "0312345678", code: "noprefix") == "0312345678")
    }

    @Test func aPlusNumberIsMadeDialableBeforeAPrefix() throws {
        #expect(try dial("alice", "+81 3 1234 5678") == "903" + "12345678")
        #expect(try dial("alice", "+1 415 555 0100") == "9010" + "14155550100")
    }

    @Test func starAndHashAreDialCharacters() throws {
        #expect(try dial("carol", "*72#101") == "*72#101")
    }

    @Test func noneWithoutARequestedCodeListsTheChoices() {
        let error = failure("bob", "0312345678")
        #expect(error?.code == .dialCodeRequired)
        #expect(
            error?.message
                == "user bob of group sales must choose a dial code for each call; choose one of LONGDIS (1000), "
                + "LOCAL (9), STAR (*#) or noprefix")
    }

    @Test func noneWithARequestedCodeDials() throws {
        #expect(try dial("bob", "0312345678", code: "LONGDIS") == "10000312345678")
    }

    @Test func anUnknownRequestedCodeListsTheChoices() {
        let error = failure("alice", "0312345678", code: "MARS")
        #expect(error?.code == .dialCodeUnknown)
        #expect(
            error?.message
                == "group sales has no dial code \"MARS\"; choose one of LONGDIS (1000), LOCAL (9), STAR (*#) or noprefix"
        )
    }

    @Test func requestingNoneIsNotACode() {
        #expect(failure("bob", "0312345678", code: "none")?.code == .dialCodeUnknown)
    }

    @Test func emptyAndLetterNumbersAreRefused() {
        #expect(failure("carol", "")?.code == .dialNumberInvalid)
        #expect(failure("carol", " - ")?.code == .dialNumberInvalid)
        #expect(failure("carol", "+")?.code == .dialNumberInvalid)
        #expect(failure("carol", "0800-FLOWERS")?.code == .dialNumberInvalid)
        #expect(failure("carol", "12+34")?.code == .dialNumberInvalid)
        #expect(failure("carol", "١٢٣")?.code == .dialNumberInvalid)
    }

    @Test func thirtyTwoDigitsAreTheLimit() throws {
        let longest = String(repeating: "1", count: 32)
        #expect(try dial("carol", "+" + longest) == "+" + longest)
        #expect(failure("carol", longest + "1")?.code == .dialNumberInvalid)
    }

    @Test func amiInjectionIsRefusedAndEscapedInTheMessage() {
        let error = failure("carol", "101\r\nAction: Command\r\nCommand: core stop now")
        #expect(error?.code == .dialNumberInvalid)
        #expect(error?.message.contains("\r") == false)
        #expect(error?.message.contains("\n") == false)
        #expect(
            error?.message
                == "the number \"101\\u000D\\u000AAction: Command\\u000D\\u000ACommand: core stop n…\" cannot be dialled: "
                + "expected an optional + and 1 to 32 digits, * or # (spaces, -, ., ( and ) are ignored)")
    }

    @Test func nulTabAndLineBreaksAreRefused() {
        for number in ["101\u{0}", "10\t1", "101\n", "101\r", "1\u{7F}01", "101\u{2028}"] {
            #expect(failure("carol", number)?.code == .dialNumberInvalid, "\(number.debugDescription)")
        }
    }

    @Test func aOneKilobyteNumberIsRefusedWithAShortMessage() {
        let error = failure("carol", String(repeating: "9", count: 1024))
        #expect(error?.code == .dialNumberInvalid)
        #expect((error?.message.count ?? 0) < 200)
    }

    @Test func aDialCodeNameCannotInjectEither() {
        let error = failure("alice", "101", code: "LOCAL\r\nAction: Logoff")
        #expect(error?.code == .dialCodeUnknown)
        #expect(error?.message.contains("\r\n") == false)
    }
}
