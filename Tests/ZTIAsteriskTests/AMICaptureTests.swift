import Testing
import ZTIAsterisk
import ZTILink

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
}
