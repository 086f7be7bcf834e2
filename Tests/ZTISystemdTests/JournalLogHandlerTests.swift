import Logging
import Synchronization
import Testing

@testable import ZTISystemd

/// Records journal entries in memory, to check the field mapping without a journal.
final class RecordingJournalWriter: JournalWriter {
    private let entries = Mutex<[[String: String]]>([])

    var recorded: [[String: String]] { entries.withLock { $0 } }

    func write(_ fields: [(name: String, value: String)]) {
        var entry: [String: String] = [:]
        for field in fields { entry[field.name] = field.value }
        entries.withLock { $0.append(entry) }
    }
}

@Suite struct JournalLogHandlerTests {
    @Test func metadataKeysBecomeUpperCaseZTIFields() {
        #expect(JournalFieldName.sanitize("group") == "ZTI_GROUP")
        #expect(JournalFieldName.sanitize("callId") == "ZTI_CALL_ID")
        #expect(JournalFieldName.sanitize("sl-service") == "ZTI_SL_SERVICE")
        #expect(JournalFieldName.sanitize("ZTI_PBX") == "ZTI_PBX")
        #expect(JournalFieldName.sanitize("_private") == "ZTI_PRIVATE")
        #expect(JournalFieldName.sanitize("9lives") == "ZTI_9LIVES")
        #expect(JournalFieldName.sanitize("event id/ü") == "ZTI_EVENT_ID__")
        #expect(JournalFieldName.sanitize(String(repeating: "a", count: 100)).count == 64)
    }

    @Test func levelsMapToSyslogPriorities() {
        let expected: [Logger.Level: Int] = [
            .trace: 7, .debug: 7, .info: 6, .notice: 5, .warning: 4, .error: 3, .critical: 2,
        ]
        for (level, priority) in expected { #expect(JournalLogHandler.priority(level) == priority) }
    }

    @Test func anEntryCarriesMessagePriorityIdentifierLocationAndMetadata() throws {
        let writer = RecordingJournalWriter()
        var handler = JournalLogHandler(identifier: "ztisup-worker", logLevel: .debug, writer: writer)
        handler[metadataKey: "group"] = "pbx1"
        let logger = Logger(label: "test") { _ in handler }
        let line: UInt = #line + 1
        logger.warning("worker pbx1 exited\nstatus 1", metadata: ["callId": "1732.42", "pbx": "asterisk"])
        let entry = try #require(writer.recorded.first)
        #expect(entry["MESSAGE"] == "worker pbx1 exited\nstatus 1")
        #expect(entry["PRIORITY"] == "4")
        #expect(entry["SYSLOG_IDENTIFIER"] == "ztisup-worker")
        #expect(entry["CODE_LINE"] == String(line))
        #expect(entry["CODE_FILE"]?.hasSuffix("JournalLogHandlerTests.swift") == true)
        #expect(entry["CODE_FUNC"]?.hasPrefix("anEntryCarriesMessagePriorityIdentifierLocationAndMetadata") == true)
        #expect(entry["ZTI_GROUP"] == "pbx1")
        #expect(entry["ZTI_CALL_ID"] == "1732.42")
        #expect(entry["ZTI_PBX"] == "asterisk")
        #expect(entry.keys.allSatisfy { $0.allSatisfy { $0.isUppercase || $0.isNumber || $0 == "_" } })
    }

    @Test func perMessageMetadataOverridesTheHandlers() throws {
        let writer = RecordingJournalWriter()
        var handler = JournalLogHandler(identifier: "ztisup", writer: writer)
        handler.metadata = ["group": "a"]
        Logger(label: "test") { _ in handler }.info("x", metadata: ["group": "b"])
        #expect(writer.recorded.first?["ZTI_GROUP"] == "b")
    }

    @Test func belowTheLevelNothingIsWritten() {
        let writer = RecordingJournalWriter()
        let handler = JournalLogHandler(identifier: "ztisup", logLevel: .notice, writer: writer)
        let logger = Logger(label: "test") { _ in handler }
        logger.info("hidden")
        logger.notice("shown")
        #expect(writer.recorded.map { $0["MESSAGE"] } == ["shown"])
    }

    @Test func stderrLinesKeepOneEntryPerLine() {
        var handler = StderrLogHandler(identifier: "ztisup")
        handler[metadataKey: "group"] = "pbx1"
        let event = LogEvent(
            level: .warning, message: "two\nlines", metadata: ["note": "a\nb"], source: "t", file: "f", function: "g",
            line: 1)
        let line = handler.format(event, time: "2026-11-25T00:00:00.000Z")
        #expect(line.hasPrefix("2026-11-25T00:00:00.000Z warning ztisup["))
        #expect(line.hasSuffix("]: two\n    lines group=pbx1 note=a\\nb"))
    }

    @Test func stderrTimesAreUTCWithMilliseconds() {
        let time = StderrLogHandler.now()
        #expect(time.count == 24)
        #expect(time.hasSuffix("Z"))
    }

    @Test func autoPicksStderrWithoutAMatchingJournalStream() {
        #expect(LogTarget.auto.resolved(journalStream: nil) == .stderr)
        #expect(LogTarget.auto.resolved(journalStream: "1:1") == .stderr)
        #expect(LogTarget.auto.resolved(journalStream: "garbage") == .stderr)
        #expect(LogTarget.journal.resolved(journalStream: nil) == .journal)
        #expect(LogTarget.stderr.resolved(journalStream: nil) == .stderr)
    }
}
