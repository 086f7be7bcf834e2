import Testing

@testable import ZTICore

/// The Java `Properties.load` grammar, one edge case per test.
@Suite struct PropertiesParserTests {
    private func parse(_ text: String) -> PropertiesFile {
        PropertiesFile.parse(Array(text.utf8), path: "t.properties")
    }

    private func values(_ text: String) -> [String: String] {
        Dictionary(uniqueKeysWithValues: parse(text).entries.map { ($0.key, $0.value) })
    }

    @Test func equalsSeparator() {
        #expect(values("a=1") == ["a": "1"])
    }

    @Test func colonSeparator() {
        #expect(values("a:1") == ["a": "1"])
    }

    @Test func whitespaceSeparator() {
        #expect(values("a 1\nb\t2\nc\u{0C}3") == ["a": "1", "b": "2", "c": "3"])
    }

    @Test func blanksAroundSeparatorAreDropped() {
        #expect(values("  a   =   1") == ["a": "1"])
    }

    @Test func onlyTheFirstSeparatorSeparates() {
        #expect(values("a = = 1\nb := 2\nc=d=e") == ["a": "= 1", "b": "= 2", "c": "d=e"])
    }

    @Test func whitespaceThenSeparatorCountsAsOneSeparator() {
        #expect(values("a   :   1") == ["a": "1"])
    }

    @Test func trailingWhitespaceOfAValueIsKept() {
        #expect(values("a = 1  ") == ["a": "1  "])
    }

    @Test func hashAndBangStartComments() {
        #expect(values("# a = 1\n! b = 2\n   # c = 3\nd = 4") == ["d": "4"])
    }

    @Test func aHashInsideAValueIsText() {
        #expect(values("a = 1 # not a comment") == ["a": "1 # not a comment"])
    }

    @Test func blankLinesAreIgnored() {
        #expect(values("\n\n   \n\ta = 1\n\n") == ["a": "1"])
    }

    @Test func continuationDropsLeadingWhitespaceOfTheNextLine() {
        #expect(values("a = one, \\\n      two, \\\n\t three") == ["a": "one, two, three"])
    }

    @Test func anEvenNumberOfBackslashesDoesNotContinue() {
        #expect(values("a = x\\\\\nb = y") == ["a": "x\\", "b": "y"])
    }

    @Test func anOddNumberOfBackslashesContinues() {
        #expect(values("a = x\\\\\\\ny") == ["a": "x\\y"])
    }

    @Test func aContinuationLineStartingWithHashIsNotAComment() {
        #expect(values("a = 1\\\n  # 2") == ["a": "1# 2"])
    }

    @Test func aCommentEndingInBackslashDoesNotContinue() {
        #expect(values("# comment \\\na = 1") == ["a": "1"])
    }

    @Test func anEmptyContinuationLineEndsTheLogicalLine() {
        #expect(values("a = 1\\\n\nb = 2") == ["a": "1", "b": "2"])
    }

    @Test func aBackslashBeforeTheEndOfTheFileIsDropped() {
        #expect(values("a = 1\\") == ["a": "1"])
    }

    @Test func standardEscapes() {
        #expect(values("a = x\\ty\\nz\\rw\\fv\\\\u") == ["a": "x\ty\nz\rw\u{0C}v\\u"])
    }

    @Test func unicodeEscapes() {
        #expect(values("a = \\u0041\\u00e9\\u65E5") == ["a": "Aé日"])
    }

    @Test func surrogatePairEscapesJoin() {
        #expect(values("a = \\uD83D\\uDE00") == ["a": "😀"])
    }

    @Test func aMalformedUnicodeEscapeIsAnErrorWithItsLine() {
        let file = parse("a = 1\nb = \\u12G4\nc = 3")
        #expect(file.entries.map(\.key) == ["a", "c"])
        #expect(
            file.diagnostics.map(\.description) == [
                "t.properties:2: malformed \\uXXXX escape \"\\u12G4\": expected four hexadecimal digits"
            ])
    }

    @Test func aTruncatedUnicodeEscapeIsAnError() {
        let file = parse("a = \\u12")
        #expect(file.entries.isEmpty)
        #expect(file.diagnostics.first?.severity == .error)
    }

    @Test func otherEscapedCharactersStandForThemselves() {
        #expect(values("a = \\b\\q\\\"") == ["a": "bq\""])
    }

    @Test func escapedSeparatorsBelongToTheKey() {
        #expect(values("a\\=b = 1\nc\\:d:2\ne\\ f 3\ng\\#h = 4") == ["a=b": "1", "c:d": "2", "e f": "3", "g#h": "4"])
    }

    @Test func emptyValues() {
        #expect(values("a\nb =\nc:\nd   ") == ["a": "", "b": "", "c": "", "d": ""])
    }

    @Test func lineEndingsLFCRAndCRLF() {
        let file = parse("a = 1\rb = 2\r\nc = 3\nd = 4")
        #expect(file.entries.map(\.key) == ["a", "b", "c", "d"])
        #expect(file.entries.map(\.line) == [1, 2, 3, 4])
        #expect(file.entries.map(\.value) == ["1", "2", "3", "4"])
    }

    @Test func lineNumbersAreRightAfterContinuationsAndComments() {
        let text = "# header\na = 1 \\\n  2 \\\n  3\n\n! note\nb = 4\r\n  c = 5\\\r\n 6\nd = 7"
        let file = parse(text)
        #expect(file.entries.map(\.key) == ["a", "b", "c", "d"])
        #expect(file.entries.map(\.line) == [2, 7, 8, 10])
        #expect(file["c"]?.value == "56")
    }

    @Test func aDuplicateKeyKeepsTheLastValueWithAWarning() {
        let file = parse("a = 1\nb = 2\na = 3")
        #expect(file["a"]?.value == "3")
        #expect(file["a"]?.line == 3)
        #expect(file.entries.map(\.key) == ["b", "a"])
        #expect(
            file.diagnostics.map(\.description) == [
                "t.properties:3: warning: a: duplicate key; this value replaces the one on line 1"
            ])
    }

    @Test func utf8IsDecodedAsUTF8() {
        let file = parse("name = 営業 Zürich")
        #expect(file.encoding == .utf8)
        #expect(file["name"]?.value == "営業 Zürich")
        #expect(file.diagnostics.isEmpty)
    }

    @Test func invalidUTF8FallsBackToISO88591WithoutLoss() {
        let bytes: [UInt8] = Array("name = Z".utf8) + [0xFC] + Array("rich \\u00e9\n".utf8) + [0x61, 0x3D, 0xFF]
        let file = PropertiesFile.parse(bytes, path: "old.properties")
        #expect(file.encoding == .latin1)
        #expect(file["name"]?.value == "Zürich é")
        #expect(file["a"]?.value == "ÿ")
        #expect(file.diagnostics.map(\.severity) == [.warning])
        #expect(file.diagnostics.first?.description.contains("read as ISO-8859-1") == true)
    }

    @Test func aByteOrderMarkIsIgnored() {
        let file = PropertiesFile.parse([0xEF, 0xBB, 0xBF] + Array("a = 1".utf8), path: "bom.properties")
        #expect(file["a"]?.value == "1")
    }

    @Test func loadReportsAMissingFile() throws {
        #expect(throws: ZTICoreError.self) { try PropertiesFile.load(path: "/nonexistent/zti.properties") }
        do {
            _ = try PropertiesFile.load(path: "/nonexistent/zti.properties")
        } catch {
            #expect(error.code == .fileUnreadable)
            #expect(error.message == "/nonexistent/zti.properties: cannot read the file: it does not exist")
        }
    }
}
