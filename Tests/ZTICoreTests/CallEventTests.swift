import Foundation
import Testing

@testable import ZTICore

/// The normalized call event: its id, its canonical JSON, its times and its validation.
@Suite struct CallEventTests {
    let numbers = try! NumberPlan(countryCode: "81", internationalPrefix: "010")

    private func ringing() -> CallEvent {
        CallEvent(
            group: "sales", pbx: .asterisk, callId: "1732526400.42", direction: .inbound, state: .ringing,
            extension: "101", attempt: 1, at: EventTime(millisecondsSinceEpoch: 1_732_526_400_123),
            from: "03-1234-5678", to: "0312340000", numbers: numbers, user: "4150868000000224005")
    }

    @Test func theIdIsGroupCallIdExtensionStateAttempt() {
        #expect(ringing().id == "sales/1732526400.42/101/ringing/1")
        #expect(
            CallEvent.makeId(group: "g", callId: "c", extension: "7", state: .answered, attempt: 3)
                == "g/c/7/answered/3")
    }

    @Test func canonicalJSONSortsKeysAndOmitsAbsentFields() {
        #expect(
            ringing().canonicalJSON()
                == #"{"at":"2024-11-25T09:20:00.123Z","attempt":1,"callId":"1732526400.42","direction":"inbound","#
                + #""extension":"101","from":"03-1234-5678","fromE164":"+81312345678","group":"sales","#
                + #""id":"sales/1732526400.42/101/ringing/1","pbx":"asterisk","state":"ringing","to":"0312340000","#
                + #""toE164":"+81312340000","user":"4150868000000224005"}"#)
    }

    @Test func aTerminalEventCarriesTimesSecondsAndCause() throws {
        var ended = CallEvent(
            group: "sales", pbx: .avaya, callId: "00001002161700000001", direction: .outbound, state: .ended,
            extension: "4001", attempt: 2, at: EventTime(millisecondsSinceEpoch: 65_000), to: "101", dialled: "9101")
        ended.startedAt = EventTime(millisecondsSinceEpoch: 0)
        ended.answeredAt = EventTime(millisecondsSinceEpoch: 5_999)
        ended.endedAt = EventTime(millisecondsSinceEpoch: 65_000)
        ended.ringSeconds = ended.startedAt!.wholeSeconds(until: ended.answeredAt!)
        ended.talkSeconds = ended.answeredAt!.wholeSeconds(until: ended.endedAt!)
        ended.cause = .normal
        ended.rawCause = "16"
        let json = ended.canonicalJSON()
        #expect(json.contains(#""answeredAt":"1970-01-01T00:00:05.999Z""#))
        #expect(json.contains(#""ringSeconds":5,"#))
        #expect(json.contains(#""talkSeconds":59"#))
        #expect(json.contains(#""cause":"normal""#))
        #expect(!json.contains("null"))
        #expect(!json.contains("fromE164"))
        let decoded = try JSONDecoder().decode(CallEvent.self, from: Data(json.utf8))
        #expect(decoded == ended)
        #expect(decoded.canonicalJSON() == json)
    }

    @Test func theSameEventEncodesToTheSameBytes() {
        #expect(CanonicalJSON.data(ringing()) == CanonicalJSON.data(ringing()))
    }

    @Test func validationRefusesAForgedId() throws {
        var forged = try JSONDecoder().decode(
            CallEvent.self,
            from: Data(ringing().canonicalJSON().replacingOccurrences(of: "/ringing/1", with: "/ringing/9").utf8))
        #expect(throws: ZTICoreError.self) { try forged.validate() }
        forged = ringing()
        try forged.validate()
    }

    @Test func validationRefusesSlashesAndControlCharactersInIdentifiers() {
        let bad = CallEvent(
            group: "sales", pbx: .asterisk, callId: "a/b", direction: .inbound, state: .ringing, extension: "101",
            attempt: 1, at: EventTime(millisecondsSinceEpoch: 0))
        #expect(throws: ZTICoreError.self) { try bad.validate() }
        let zero = CallEvent(
            group: "sales", pbx: .asterisk, callId: "x", direction: .inbound, state: .ringing, extension: "101",
            attempt: 0, at: EventTime(millisecondsSinceEpoch: 0))
        #expect(throws: ZTICoreError.self) { try zero.validate() }
    }

    @Test func terminalStates() {
        #expect(CallState.allCases.filter(\.isTerminal) == [.ended, .missed, .failed, .transferred])
    }
}

/// Millisecond UTC times, formatted and parsed by hand.
@Suite struct EventTimeTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (1_732_526_400_123, "2024-11-25T09:20:00.123Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (4_107_542_399_999, "2100-02-28T23:59:59.999Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (253_402_300_799_000, "9999-12-31T23:59:59.000Z"),
    ])
    func formatsAndParses(milliseconds: Int64, text: String) {
        let time = EventTime(millisecondsSinceEpoch: milliseconds)
        #expect(time.description == text)
        #expect(EventTime(text) == time)
    }

    @Test func agreesWithFoundation() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var milliseconds: Int64 = 12_345
        for _ in 0..<500 {
            milliseconds = (milliseconds &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407) % 4_000_000_000_000
            let time = EventTime(millisecondsSinceEpoch: abs(milliseconds))
            let date = Date(timeIntervalSince1970: Double(abs(milliseconds)) / 1000)
            #expect(time.description == formatter.string(from: date))
        }
    }

    @Test func refusesMalformedText() {
        for text in [
            "", "2024-11-25T09:20:00Z", "2024-11-25 09:20:00.123Z", "2024-13-01T00:00:00.000Z",
            "2023-02-29T00:00:00.000Z", "2024-11-25T24:00:00.000Z", "2024-11-25T09:20:00.123+",
            "２０２４-11-25T09:20:00.123Z",
        ] {
            #expect(EventTime(text) == nil, "\(text)")
        }
    }

    @Test func extremeValuesAreClampedInsteadOfOverflowing() {
        #expect(EventTime(millisecondsSinceEpoch: .min).description == "0001-01-01T00:00:00.000Z")
        #expect(EventTime(millisecondsSinceEpoch: .max).description == "9999-12-31T23:59:59.999Z")
        #expect(
            EventTime(millisecondsSinceEpoch: .min).wholeSeconds(until: EventTime(millisecondsSinceEpoch: .max))
                == 315_537_897_599)
        #expect(EventTime("0000-01-01T00:00:00.000Z") == nil)
    }

    @Test func wholeSecondsRoundDownAndNeverGoNegative() {
        let start = EventTime(millisecondsSinceEpoch: 1_000)
        #expect(start.wholeSeconds(until: EventTime(millisecondsSinceEpoch: 2_999)) == 1)
        #expect(start.wholeSeconds(until: EventTime(millisecondsSinceEpoch: 0)) == 0)
    }
}

/// The cause table's Asterisk and Zoho columns.
@Suite struct CallCauseTests {
    @Test func asteriskDialStatuses() {
        let table: [String: CallCause] = [
            "ANSWER": .normal, "BUSY": .busy, "NOANSWER": .noAnswer, "CANCEL": .cancelled, "CHANUNAVAIL": .unavailable,
            "INVALIDARGS": .invalid, "CONGESTION": .congestion, "DONTCALL": .failed,
        ]
        for (status, cause) in table { #expect(CallCause(asteriskDialStatus: status) == cause) }
        #expect(CallCause(asteriskDialStatus: "SOMETHING") == nil)
    }

    @Test func q850Codes() {
        let table: [Int: CallCause] = [
            16: .normal, 17: .busy, 19: .noAnswer, 20: .unavailable, 21: .rejected, 26: .answeredElsewhere,
            1: .invalid, 28: .invalid, 34: .congestion, 18: .failed, 127: .failed,
        ]
        for (code, cause) in table { #expect(CallCause(q850: code) == cause, "cause \(code)") }
    }

    @Test func zohoFailures() {
        #expect(CallCause.busy.zohoFailure == "busy")
        #expect(CallCause.noAnswer.zohoFailure == "noanswer")
        #expect(CallCause.rejected.zohoFailure == "rejected")
        #expect(CallCause.invalid.zohoFailure == "invalid")
        #expect([CallCause.unavailable, .congestion, .failed].allSatisfy { $0.zohoFailure == "notavailable" })
        #expect(
            [CallCause.normal, .cancelled, .answeredElsewhere, .diverted, .unknown].allSatisfy { $0.zohoFailure == nil }
        )
    }

    @Test func dialStatusForAFailedClickToDial() {
        #expect(DialStatus(failure: .busy) == .busy)
        #expect(DialStatus(failure: .cancelled) == .noAnswer)
        #expect(DialStatus(failure: .unknown) == .failed)
        #expect(DialStatus.allCases.filter(\.isImmediate) == [.accepted, .refused])
    }
}

/// Zoho's form bodies.
@Suite struct FormEncodingTests {
    @Test func onlyUnreservedCharactersGoAsTheyAre() {
        #expect(
            FormEncoding.encode([("from", "+4930123456"), ("start_time", "2025-11-25 14:03:11"), ("x", "a&b=c/é~")])
                == "from=%2B4930123456&start_time=2025-11-25%2014%3A03%3A11&x=a%26b%3Dc%2F%C3%A9~")
    }

    @Test func decodingUndoesEncodingAndReadsPlusAsSpace() {
        let fields = [("a", "+81 3-1234"), ("empty", ""), ("json", #"{"name":"x","value":"{to}"}"#)]
        let decoded = FormEncoding.decode(FormEncoding.encode(fields))
        #expect(decoded.map(\.name) == fields.map(\.0))
        #expect(decoded.map(\.value) == fields.map(\.1))
        #expect(FormEncoding.decode("a=1+2&b&c=%zz").map { "\($0.name)=\($0.value)" } == ["a=1 2", "b=", "c=%zz"])
    }
}
