import Foundation
import Testing
import ZTITestKit

@testable import ZTICore

/// The hand-written event codec against Foundation's: byte-identical output, the same events read back, and the
/// same inputs refused.
@Suite struct CallEventJSONTests {
    /// Text that exercises every escape: controls, quotes, backslashes, slashes, DEL, Latin-1, CJK, emoji, U+2028.
    private static let alphabet: [String] =
        [
            "a", "Z", "0", "9", " ", "-", "+", "/", "\\", "\"", "\u{7F}", "é", "ß", "電話", "😀", "\u{2028}", "\u{FEFF}",
        ] + (0..<32).map { String(Unicode.Scalar(UInt8($0))) }

    private static func text(_ generator: inout SplitMix64, nonEmpty: Bool = false) -> String {
        let count = Int(generator.next() % 12) + (nonEmpty ? 1 : 0)
        return (0..<count).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }.joined()
    }

    private static func identifier(_ generator: inout SplitMix64) -> String {
        "id" + String(generator.next() % 100_000)
    }

    private static func maybe<Value>(_ generator: inout SplitMix64, _ make: (inout SplitMix64) -> Value) -> Value? {
        generator.next() % 2 == 0 ? nil : make(&generator)
    }

    static func randomEvent(_ generator: inout SplitMix64) -> CallEvent {
        var event = CallEvent(
            group: identifier(&generator), pbx: PBXType.allCases[Int(generator.next() % 3)],
            callId: identifier(&generator) + "." + String(generator.next() % 1000),
            direction: CallDirection.allCases[Int(generator.next() % 3)],
            state: CallState.allCases[Int(generator.next() % UInt64(CallState.allCases.count))],
            extension: String(generator.next() % 10_000), attempt: Int(generator.next() % 1_000_000) + 1,
            at: EventTime(millisecondsSinceEpoch: Int64(bitPattern: generator.next()) % 253_402_300_799_999))
        event.from = maybe(&generator) { text(&$0) }
        event.to = maybe(&generator) { text(&$0) }
        event.dialled = maybe(&generator) { text(&$0) }
        event.fromE164 = maybe(&generator) { text(&$0) }
        event.toE164 = maybe(&generator) { text(&$0) }
        event.user = maybe(&generator) { text(&$0) }
        event.startedAt = maybe(&generator) { EventTime(millisecondsSinceEpoch: Int64($0.next() % 4_000_000_000_000)) }
        event.answeredAt = maybe(&generator) { EventTime(millisecondsSinceEpoch: Int64($0.next() % 4_000_000_000_000)) }
        event.endedAt = maybe(&generator) { EventTime(millisecondsSinceEpoch: Int64($0.next() % 4_000_000_000_000)) }
        event.ringSeconds = maybe(&generator) { Int(truncatingIfNeeded: $0.next()) }
        event.talkSeconds = maybe(&generator) { Int($0.next() % 100_000) }
        event.cause = maybe(&generator) { CallCause.allCases[Int($0.next() % UInt64(CallCause.allCases.count))] }
        event.rawCause = maybe(&generator) { text(&$0) }
        event.transferredTo = maybe(&generator) { text(&$0) }
        event.transferredCallId = maybe(&generator) { text(&$0) }
        event.clickToDialId = maybe(&generator) { text(&$0) }
        return event
    }

    private struct FoundationEnvelope: Encodable {
        let event: CallEvent
        let resumeKey: String
    }

    @Test func theWriterIsByteIdenticalToFoundationsCanonicalForm() {
        var generator = SplitMix64(seed: 14)
        for _ in 0..<2_000 {
            let event = Self.randomEvent(&generator)
            let expected = [UInt8](CanonicalJSON.data(event))
            #expect(CallEventJSON.bytes(event) == expected, "\(String(decoding: expected, as: UTF8.self))")
            let resumeKey = Self.text(&generator, nonEmpty: true)
            #expect(
                CallEventJSON.envelope(event, resumeKey: resumeKey)
                    == [UInt8](CanonicalJSON.data(FoundationEnvelope(event: event, resumeKey: resumeKey))))
        }
    }

    @Test func theExtremesOfEveryNumberAndTimeAreWrittenAsFoundationWritesThem() throws {
        var event = CallEvent(
            group: "g", pbx: .avaya, callId: "c", direction: .internal, state: .ended, extension: "1",
            attempt: Int.max, at: EventTime(millisecondsSinceEpoch: EventTime.representable.upperBound))
        event.ringSeconds = Int.min
        event.talkSeconds = 0
        event.startedAt = EventTime(millisecondsSinceEpoch: EventTime.representable.lowerBound)
        event.endedAt = EventTime(millisecondsSinceEpoch: -1)
        #expect(CallEventJSON.bytes(event) == [UInt8](CanonicalJSON.data(event)))
        #expect(try CallEventJSON.decode(CallEventJSON.bytes(event)) == event)
    }

    @Test func theReaderReadsBackWhatEitherWriterWrote() throws {
        var generator = SplitMix64(seed: 2026)
        for _ in 0..<2_000 {
            let event = Self.randomEvent(&generator)
            #expect(try CallEventJSON.decode(CallEventJSON.bytes(event)) == event)
            let resumeKey = Self.text(&generator, nonEmpty: true)
            let envelope = try CallEventJSON.decodeEnvelope(CallEventJSON.envelope(event, resumeKey: resumeKey))
            #expect(envelope.event == event)
            #expect(envelope.resumeKey == resumeKey)
        }
    }

    /// JSON that no canonical writer makes but any JSON writer may: escaped slashes and letters, surrogate pairs,
    /// whitespace, nulls for absent fields, and unknown keys of every kind; read as Foundation reads it.
    @Test func nonCanonicalJSONReadsAsFoundationReadsIt() throws {
        let text = """
             { "unknown" : [1, -2.5e3, {"a": [true, false, null]}, "x\\"y"], "id" : "g\\/c\\/1\\/ringing\\/1",
            "group":"g","pbx":"asterisk","callId":"c","direction":"inbound","state":"ringing","extension":"1",
            "attempt":1,"at":"2026-12-02T10:00:00.000\\u005a","from":"\\u00e9\\ud83d\\ude00\\t\\u0041","to":null,
            "user":"\\b\\f\\n\\r\\"\\\\", "nested": {"deep": {"deeper": []}} }\t\r\n
            """
        let ours = try CallEventJSON.decode(Array(text.utf8))
        let foundation = try JSONDecoder().decode(CallEvent.self, from: Data(text.utf8))
        #expect(ours == foundation)
        #expect(ours.id == "g/c/1/ringing/1")
        #expect(ours.from == "é😀\tA")
        #expect(ours.to == nil)
        #expect(ours.at == EventTime("2026-12-02T10:00:00.000Z"))
    }

    @Test(arguments: [
        #"{"id":"g/c/1/ringing/1","group":"g","pbx":"asterisk","callId":"c","direction":"inbound","#
            + #""state":"ringing","attempt":1,"at":"2026-12-02T10:00:00.000Z"}"#,  // no extension
        #"{"id":"x","group":"g","pbx":"sip","callId":"c","direction":"inbound","state":"ringing","extension":"1","#
            + #""attempt":1,"at":"2026-12-02T10:00:00.000Z"}"#,  // an unknown PBX
        #"{"id":"x","group":"g","pbx":"avaya","callId":"c","direction":"inbound","state":"ringing","extension":"1","#
            + #""attempt":"1","at":"2026-12-02T10:00:00.000Z"}"#,  // attempt as a string
        #"{"id":"x","group":"g","pbx":"avaya","callId":"c","direction":"inbound","state":"ringing","extension":"1","#
            + #""attempt":1.5,"at":"2026-12-02T10:00:00.000Z"}"#,  // a fraction
        #"{"id":"x","group":"g","pbx":"avaya","callId":"c","direction":"inbound","state":"ringing","extension":"1","#
            + #""attempt":1,"at":"yesterday"}"#,  // a time that is not one
        #"{"id":"x","group":"g","pbx":"avaya","callId":"c","direction":"inbound","state":"ringing","extension":"1","#
            + #""attempt":1,"at":"2026-12-02T10:00:00.000Z"} trailing"#,
        #"{"id":"x","group":"\ud800","pbx":"avaya","callId":"c","direction":"inbound","state":"ringing","#
            + #""extension":"1","attempt":1,"at":"2026-12-02T10:00:00.000Z"}"#,  // a lone surrogate
        #"{"id":"x","group":"g","pbx":"avaya""#,  // cut short
        #"{"id":"x","group":"g","pbx":"avaya",}"#,
        #"{"id":"x" "group":"g"}"#,
        #"["not an object"]"#,
        #"{"id":"x","extra":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"#,
        "",
    ])
    func malformedEventsAreRefusedWithAReason(text: String) {
        #expect((try? JSONDecoder().decode(CallEvent.self, from: Data(text.utf8))) == nil)
        #expect {
            try CallEventJSON.decode(Array(text.utf8))
        } throws: { error in
            guard let error = error as? ZTICoreError else { return false }
            return error.code == .framePayloadInvalid && !error.message.isEmpty
        }
    }

    @Test func bytesThatAreNotUTF8AreRefused() {
        var bytes = Array(
            #"{"id":"x","group":"g","pbx":"avaya","callId":"c","direction":"inbound","state":"ringing","#.utf8)
        bytes += Array(#""extension":"1","attempt":1,"at":"2026-12-02T10:00:00.000Z","from":""#.utf8)
        bytes += [0xC3, 0x28, 0x22, 0x7D]
        #expect(throws: ZTICoreError.self) { try CallEventJSON.decode(bytes) }
        #expect((try? JSONDecoder().decode(CallEvent.self, from: Data(bytes))) == nil)
    }

    @Test func randomBytesGiveErrorsNotCrashes() throws {
        var generator = SplitMix64(seed: 7)
        let valid = CallEventJSON.envelope(Self.randomEvent(&generator), resumeKey: "SIP/101-00000001")
        for _ in 0..<5_000 {
            var mutated = valid
            for _ in 0..<Int(generator.next() % 4) + 1 {
                mutated[Int(generator.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            let cut = Int(generator.next() % UInt64(mutated.count + 1))
            _ = try? CallEventJSON.decodeEnvelope(mutated[..<cut])
        }
        #expect(try CallEventJSON.decodeEnvelope(valid).resumeKey == "SIP/101-00000001")
    }
}
