import Foundation
import Testing
import ZTITestKit

@testable import ZTIAsterisk

/// The AMI decoder: everything a real server, proxy or capture sends, in any fragmentation.
@Suite struct AMIDecoderTests {
    /// A 12+ session: banner, login reply, a list reply with interleaved events, a flood event, a Command reply.
    static let session =
        "Asterisk Call Manager/7.0.3\r\n"
        + "Response: Success\r\nActionID: z-1\r\nMessage: Authentication accepted\r\n\r\n"
        + "Event: FullyBooted\r\nPrivilege: system,all\r\nUptime: 12\r\nLastReload: 12\r\nStatus: Fully Booted\r\n\r\n"
        + "Response: Success\r\nActionID: z-2\r\nEventList: start\r\nMessage: Channels will follow\r\n\r\n"
        + "Event: Newexten\r\nPrivilege: dialplan,all\r\nChannel: PJSIP/201-00000005\r\nApplication: Dial\r\n\r\n"
        + "Event: CoreShowChannel\r\nActionID: z-2\r\nChannel: PJSIP/201-00000005\r\nUniqueid: 1700000000.12\r\n"
        + "Linkedid: 1700000000.11\r\nCallerIDName: Zoë Ölmez\r\nApplicationData: PJSIP/101,30,tT\r\n\r\n"
        + "Event: CoreShowChannelsComplete\r\nActionID: z-2\r\nEventList: Complete\r\nListItems: 1\r\n\r\n"
        + "Response: Follows\r\nPrivilege: Command\r\nActionID: z-3\r\n"
        + "Name/username   Host\n\n201/201   10.0.0.5: D\n--END COMMAND--\r\n\r\n"
        + "Event: Hangup\r\nPrivilege: call,all\r\nChannel: PJSIP/201-00000005\r\nUniqueid: 1700000000.12\r\n"
        + "Cause: 16\r\nCause-txt: Normal Clearing\r\n\r\n"

    private func decodeAll(_ chunks: [ArraySlice<UInt8>], decoder: AMIDecoder = AMIDecoder()) -> [AMIMessage] {
        var decoder = decoder
        var messages: [AMIMessage] = []
        for chunk in chunks {
            decoder.feed(chunk)
            while let message = decoder.next() { messages.append(message) }
        }
        return messages
    }

    private func decode(_ text: String, decoder: AMIDecoder = AMIDecoder()) -> [AMIMessage] {
        decodeAll([Array(text.utf8)[...]], decoder: decoder)
    }

    @Test func whatThePBXSendsReachesNoLogLineRaw() {
        let reply = AMIReply(
            response: AMIMessage(
                kind: .response, headers: [AMIHeader("Response", "Error"), AMIHeader("Message", "no\u{1B}[31m way")]),
            items: [])
        #expect(reply.message == "no\\u001B[31m way")
        let error = ZTIAsteriskError(.linkClosed, "Asterisk is shutting down (\u{07}now)")
        #expect(error.message == "Asterisk is shutting down (\\u0007now)")
    }

    @Test func aWholeSessionDecodes() throws {
        let messages = decode(Self.session)
        #expect(messages.map(\.kind) == [.banner, .response, .event, .response, .event, .event, .follows, .event])
        #expect(messages[0].bannerVersion == "7.0.3")
        #expect(messages[1]["message"] == "Authentication accepted")
        #expect(messages[4]["UNIQUEID"] == "1700000000.12")
        #expect(messages[4]["CallerIDName"] == "Zoë Ölmez")
        #expect(messages[4]["ApplicationData"] == "PJSIP/101,30,tT")
        #expect(messages[5].eventName == "CoreShowChannelsComplete")
        #expect(messages[6].actionID == "z-3")
        #expect(messages[6].body == "Name/username   Host\n\n201/201   10.0.0.5: D\n")
        #expect(messages[6].truncated == false)
        #expect(messages[7]["cause-txt"] == "Normal Clearing")
    }

    @Test func everySplitOffsetDecodesTheSame() {
        let bytes = Array(Self.session.utf8)
        let whole = decodeAll([bytes[...]])
        for offset in 0...bytes.count {
            #expect(decodeAll([bytes[..<offset], bytes[offset...]]) == whole, "split at \(offset)")
        }
    }

    @Test(arguments: [1, 7, 1234, 99_999])
    func randomFragmentsDecodeTheSame(seed: UInt64) {
        let bytes = Array(
            (Self.session + Self.session.replacingOccurrences(of: "Asterisk Call Manager/7.0.3\r\n", with: "")).utf8)
        let whole = decodeAll([bytes[...]])
        var generator = SplitMix64(seed: seed)
        var chunks: [ArraySlice<UInt8>] = []
        var offset = 0
        while offset < bytes.count {
            let size = seed == 1 ? 1 : Int(generator.next() % 40) + 1
            chunks.append(bytes[offset..<min(bytes.count, offset + size)])
            offset += size
        }
        #expect(decodeAll(chunks) == whole)
    }

    @Test func bareLineFeedsWork() {
        let crlf = decode(Self.session)
        let lf = decode(Self.session.replacingOccurrences(of: "\r\n", with: "\n"))
        #expect(lf.map(\.kind) == crlf.map(\.kind))
        #expect(lf.map(\.headers) == crlf.map(\.headers))
    }

    @Test func keysWithoutASpaceAndValuesWithColons() throws {
        let message = try #require(
            decode("Event: Dial\r\nDialString:\r\nDestination:SIP/101-1\r\nURI: sip:101@x:5060\r\nTrail: a  \r\n\r\n")
                .first)
        #expect(message["DialString"] == "")
        #expect(message["Destination"] == "SIP/101-1")
        #expect(message["URI"] == "sip:101@x:5060")
        #expect(message["Trail"] == "a  ")
    }

    @Test func repeatedKeysKeepTheirOrder() throws {
        let text = "Response: Success\r\nOutput: one\r\nOUTPUT: two\r\nChanVariable: a=1\r\noutput: three\r\n\r\n"
        let message = try #require(decode(text).first)
        #expect(message.values("Output") == ["one", "two", "three"])
        #expect(message["output"] == "one")
        #expect(message.headers.count == 5)
    }

    @Test func aMissingBannerIsTolerated() {
        let messages = decode("Event: Hangup\r\nUniqueid: 1.1\r\n\r\n")
        #expect(messages.map(\.kind) == [.event])
    }

    @Test func aBannerAgainMidStreamIsABanner() {
        let messages = decode(
            "Asterisk Call Manager/1.1\r\nEvent: Hangup\r\nUniqueid: 1.1\r\n\r\nAsterisk Call Manager/2.10.4\r\n"
                + "Response: Success\r\n\r\n")
        #expect(messages.map(\.kind) == [.banner, .event, .banner, .response])
        #expect(messages.map(\.bannerVersion) == ["1.1", nil, "2.10.4", nil])
    }

    @Test func aProxyBannerWithoutTheAsteriskPrefix() {
        let messages = decode("Welcome to astmanproxy\r\nResponse: Success\r\n\r\n")
        #expect(messages.first?.kind == .banner)
        #expect(messages.first?.body == "Welcome to astmanproxy")
        #expect(messages.first?.bannerVersion == nil)
    }

    @Test func theCommandMarkerAppendedToTheLastLine() throws {
        let message = try #require(
            decode("Response: Follows\r\nPrivilege: Command\r\nno newline--END COMMAND--\r\n\r\nEvent: X\r\n\r\n").first
        )
        #expect(message.kind == .follows)
        #expect(message.body == "no newline")
        #expect(message.actionID == nil)
    }

    @Test func aFollowsBodyWithoutMarkerRecoversAtTheNextMessage() {
        let messages = decode(
            "Response: Follows\r\nPrivilege: Command\r\nActionID: q\r\nsome output\n\nEvent: Hangup\r\nUniqueid: 2.2\r\n\r\n"
        )
        #expect(messages.map(\.kind) == [.follows, .event])
        #expect(messages[0].truncated)
        #expect(messages[0].body == "some output\n")
        #expect(messages[1]["Uniqueid"] == "2.2")
    }

    @Test func aFollowsBodyIsBounded() {
        var decoder = AMIDecoder(limits: .init(maximumMessageBytes: 4096, maximumBodyBytes: 256))
        decoder.feed(Array("Response: Follows\r\nPrivilege: Command\r\n".utf8))
        decoder.feed(Array(String(repeating: "line of output\n", count: 100).utf8))
        decoder.feed(Array("--END COMMAND--\r\n\r\nEvent: After\r\n\r\n".utf8))
        var messages: [AMIMessage] = []
        while let message = decoder.next() { messages.append(message) }
        #expect(messages.first?.kind == .follows)
        #expect(messages.first?.truncated == true)
        #expect((messages.first?.body?.utf8.count ?? 0) <= 256)
        #expect(messages.last?.eventName == "After")
    }

    @Test func anImmediateReplyIsOpaqueAndTheStreamContinues() {
        let messages = decode(
            "Response: Success\r\n\r\ndefault has 0 calls (max unlimited) in 'ringall' strategy\r\n   No Members\r\n\r\n"
                + "Event: Hangup\r\nUniqueid: 3.3\r\n\r\n")
        #expect(messages.map(\.kind) == [.response, .opaque, .event])
        #expect(messages[1].body == "default has 0 calls (max unlimited) in 'ringall' strategy\n   No Members")
    }

    @Test func clientActionsInACaptureAreActions() {
        let messages = decode("Action: Login\r\nUsername: zti\r\n\r\nResponse: Success\r\n\r\n")
        #expect(messages.map(\.kind) == [.action, .response])
    }

    @Test func unknownResponseValuesAreReplies() {
        let messages = decode(
            "Response: Pong\r\nActionID: p\r\n\r\nResponse: Events On\r\n\r\nResponse: Goodbye\r\n\r\n")
        #expect(messages.map(\.kind) == [.response, .response, .response])
        #expect(messages.map(\.response) == ["Pong", "Events On", "Goodbye"])
    }

    @Test func unknownEventsAndHeadersPassThrough() throws {
        let message = try #require(decode("Event: HangupHandlerPush\r\nnullActionID: x\r\nWeird Key: v\r\n\r\n").first)
        #expect(message.eventName == "HangupHandlerPush")
        #expect(message["nullActionID"] == "x")
        #expect(message["weird key"] == "v")
    }

    @Test func aUTF8CharacterSplitAcrossReadsDecodes() throws {
        let bytes = Array("Event: Newchannel\r\nCallerIDName: Дмитрий\r\n\r\n".utf8)
        let split = bytes.firstIndex(of: 0xD0)! + 1
        let message = try #require(decodeAll([bytes[..<split], bytes[split...]]).first)
        #expect(message["CallerIDName"] == "Дмитрий")
    }

    @Test func nonUTF8FallsBackToLatin1WithoutLoss() throws {
        let bytes =
            Array("Event: Newchannel\r\nCallerIDName: Jos".utf8) + [0xE9] + Array("\r\nUniqueid: 4.4\r\n\r\n".utf8)
        let message = try #require(decodeAll([bytes[...]]).first)
        #expect(message["CallerIDName"] == "José")
        #expect(message["Uniqueid"] == "4.4")
        #expect(Array(message["CallerIDName"]!.unicodeScalars.map { UInt8($0.value) }) == Array("Jos".utf8) + [0xE9])
    }

    @Test func floodsAreDroppedBeforeParsingAndCounted() {
        var decoder = AMIDecoder()
        decoder.feed(
            Array(
                ("Event: Newexten\r\nChannel: a\r\n\r\nevent: VARSET\r\nVariable: x\r\n\r\nEvent: RTCPSent\r\nTo: y\r\n\r\n"
                    + "Event: CEL\r\n\r\nEvent: AGIExec\r\n\r\nEvent: Hangup\r\nUniqueid: 5.5\r\n\r\n").utf8))
        var names: [String?] = []
        while let message = decoder.next() { names.append(message.eventName) }
        #expect(names == ["Hangup"])
        #expect(decoder.droppedEventCount == 5)
    }

    @Test func withAnEmptyDropListEverythingIsParsed() {
        let messages = decode(
            "Event: Newexten\r\nChannel: a\r\n\r\nEvent: Hangup\r\n\r\n",
            decoder: AMIDecoder(droppedEvents: [], droppedEventPrefixes: []))
        #expect(messages.map(\.eventName) == ["Newexten", "Hangup"])
    }

    @Test func anOversizedMessageIsDiscardedAndCounted() {
        var decoder = AMIDecoder(limits: .init(maximumMessageBytes: 1024, maximumBodyBytes: 512))
        decoder.feed(Array("Event: Huge\r\n".utf8))
        for _ in 0..<100 { decoder.feed(Array("Filler: 0123456789012345678901234567890123456789\r\n".utf8)) }
        decoder.feed(Array("\r\nEvent: Small\r\n\r\n".utf8))
        var names: [String?] = []
        while let message = decoder.next() { names.append(message.eventName) }
        #expect(names == ["Small"])
        #expect(decoder.discardedByteCount > 1024)
    }

    @Test func aLineWithoutEndIsBounded() {
        var decoder = AMIDecoder(limits: .init(maximumMessageBytes: 1024, maximumBodyBytes: 512))
        for _ in 0..<100 {
            decoder.feed([UInt8](repeating: 0x41, count: 100))
            _ = decoder.next()
        }
        #expect(decoder.bufferedByteCount < 2048)
        decoder.feed(Array("\r\n\r\nEvent: Back\r\n\r\n".utf8))
        #expect(decoder.next()?.eventName == "Back")
    }

    @Test func garbageNeverCrashesAndTheStreamRecovers() {
        var generator = SplitMix64(seed: 0xA11)
        for _ in 0..<300 {
            var decoder = AMIDecoder(limits: .init(maximumMessageBytes: 2048, maximumBodyBytes: 1024))
            let length = Int(generator.next() % 3000)
            let alphabet: [UInt8] =
                Array("Event:Response:Follows--END COMMAND--\r\n\r\n\n :aé".utf8) + [0x00, 0xFF, 0xC3]
            let garbage = (0..<length).map { _ in
                generator.next() % 3 == 0
                    ? UInt8(truncatingIfNeeded: generator.next())
                    : alphabet[Int(generator.next() % UInt64(alphabet.count))]
            }
            decoder.feed(garbage)
            while decoder.next() != nil {}
            decoder.feed(Array("\r\n\r\n\r\nEvent: Sentinel\r\nUniqueid: 9\r\n\r\n".utf8))
            var last: AMIMessage?
            while let message = decoder.next() { last = message }
            #expect(last?.eventName == "Sentinel")
        }
    }
}
