import Foundation
import Testing
import ZTIAsterisk
import ZTILink
import ZTITestKit

/// What an AMI capture file holds: the PBX's lines as they came, ztisup's actions between two messages, secrets
/// redacted.
struct AMICaptureTests {
    static func interleave(_ start: CaptureInterleave.Start) -> CaptureInterleave {
        CaptureInterleave(start: start) { AMICaptureDialect.redact(line: $0) }
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func anActionSentWhileAnEventArrivesInPiecesIsWrittenAfterThatEvent() {
        var capture = Self.interleave(.boundary)
        var out = capture.received(Array("Event: Newchannel\r\nChan".utf8))
        out += capture.sent(Array("Action: Ping\r\nActionID: 7\r\n\r\n".utf8))
        out += capture.received(Array("nel: PJSIP/101-1\r\n\r\nResponse: Success\r\nActionID: 7\r\n\r\n".utf8))
        #expect(
            Self.text(out)
                == "Event: Newchannel\r\nChannel: PJSIP/101-1\r\n\r\nAction: Ping\r\nActionID: 7\r\n\r\n"
                + "Response: Success\r\nActionID: 7\r\n\r\n")
    }

    @Test func aCaptureStartedInsideAMessageBeginsWithTheNextWholeOne() {
        var capture = Self.interleave(.anywhere)
        var out = capture.received(Array("ate: Up\r\n\r\nEvent: Hangup\r\nCause: 16\r\n".utf8))
        out += capture.received(Array("\r\n".utf8))
        #expect(Self.text(out) == "Event: Hangup\r\nCause: 16\r\n\r\n")
    }

    @Test func theBannerOfAConnectionStandsAloneBeforeTheFirstAction() {
        var capture = Self.interleave(.connection)
        var out = capture.received(Array("Asterisk Call Manager/5.0.1\r\n".utf8))
        #expect(capture.atBoundary)
        out += capture.sent(Array("Action: Challenge\r\nAuthType: MD5\r\n\r\n".utf8))
        #expect(Self.text(out) == "Asterisk Call Manager/5.0.1\r\nAction: Challenge\r\nAuthType: MD5\r\n\r\n")
    }

    @Test func anActionHeldAtTheEndIsWrittenByDrain() {
        var capture = Self.interleave(.boundary)
        _ = capture.received(Array("Event: Newstate\r\n".utf8))
        #expect(capture.sent(Array("Action: Ping\r\n\r\n".utf8)).isEmpty)
        #expect(Self.text(capture.drain()) == "Action: Ping\r\n\r\n")
    }

    @Test func theLoginActionKeepsOnlyItsNameAndActionIDAndSecretsAreRedactedEitherWay() {
        let login = Array("Action: Login\r\nActionID: 1\r\nUsername: zti\r\nSecret: s3cret\r\nEvents: on\r\n\r\n".utf8)
        #expect(Self.text(AMICaptureDialect.redact(message: login)) == "Action: Login\r\nActionID: 1\r\n\r\n")
        let md5 = Array("Action: Login\r\nAuthType: MD5\r\nUsername: zti\r\nKey: 0f3e\r\n\r\n".utf8)
        #expect(Self.text(AMICaptureDialect.redact(message: md5)) == "Action: Login\r\n\r\n")
        let other = Array("Action: Originate\r\nChannel: PJSIP/101\r\nPassword: x\r\n\r\n".utf8)
        #expect(
            Self.text(AMICaptureDialect.redact(message: other))
                == "Action: Originate\r\nChannel: PJSIP/101\r\nPassword: [redacted]\r\n\r\n")
        var capture = Self.interleave(.boundary)
        let out = capture.received(Array("Response: Success\r\nchallenge: 840326415\r\n\r\n".utf8))
        #expect(Self.text(out) == "Response: Success\r\nchallenge: [redacted]\r\n\r\n")
    }

    @Test func lineEndsOfEitherKindAreKeptAsTheyCame() {
        var capture = Self.interleave(.boundary)
        let out = capture.received(Array("Event: Hangup\nSecret: a\n\n".utf8))
        #expect(Self.text(out) == "Event: Hangup\nSecret: [redacted]\n\n")
    }

    /// Any bytes, cut anywhere, with actions sent at any moment: every action is written once and whole, and the
    /// PBX's whole lines all come out in order (a bounded, seeded run).
    @Test func anyStreamCutAnywhereKeepsEveryLineAndEveryActionWhole() {
        var random = SplitMix64(seed: 0x5EED)
        let alphabet = Array("ab: \r\n\n".utf8)
        for _ in 0..<300 {
            let input = (0..<Int(random.next() % 400)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))]
            }
            var capture = CaptureInterleave(start: .boundary) { Array($0) }
            var out: [UInt8] = []
            var sent: [[UInt8]] = []
            var offset = 0
            while offset < input.count {
                let end = min(input.count, offset + 1 + Int(random.next() % 40))
                out += capture.received(input[offset..<end])
                if random.next() % 3 == 0 {
                    let action = Array("Action: Ping\r\nActionID: \(sent.count)\r\n\r\n".utf8)
                    sent.append(action)
                    out += capture.sent(action)
                }
                offset = end
            }
            out += capture.drain()
            var rest = out
            for action in sent {
                let text = Self.text(rest)
                let whole = Self.text(action)
                #expect(text.components(separatedBy: whole).count == 2, "\(whole) not once in \(text)")
                rest = Array(text.replacingOccurrences(of: whole, with: "").utf8)
            }
            let lines = input.lastIndex(of: UInt8(ascii: "\n")).map { Array(input[...$0]) } ?? []
            #expect(rest == lines)
            // The real redaction takes the same bytes without trouble.
            var redacting = Self.interleave(.anywhere)
            _ = redacting.received(input)
            _ = AMICaptureDialect.redact(message: input)
        }
    }
}
