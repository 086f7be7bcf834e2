import Foundation
import Testing
import ZTICore
import ZTITestKit

@testable import ZTIAsterisk

/// Random and garbage input never crashes the codec or the tracker, and the pieces the tracker relies on parse
/// what Asterisk writes.
@Suite struct TrackerRobustnessTests {
    static let eventNames = [
        "Newchannel", "Newstate", "NewCallerid", "DialBegin", "DialState", "DialEnd", "BridgeEnter", "BridgeLeave",
        "Hangup", "Rename", "LocalBridge", "BlindTransfer", "AttendedTransfer", "CoreShowChannel",
        "CoreShowChannelsComplete", "OriginateResponse", "QueueCallerJoin", "Unknown",
    ]
    static let fields = [
        "Channel", "Uniqueid", "Linkedid", "ChannelState", "CallerIDNum", "ConnectedLineNum", "Exten", "Context",
        "DestChannel", "DestUniqueid", "DestLinkedid", "DestChannelState", "DialStatus", "DialString",
        "BridgeUniqueid", "Cause", "Newname", "Result", "Extension", "TransfererUniqueid", "OrigTransfererUniqueid",
        "SecondTransfererUniqueid", "TransferTargetUniqueid", "TransferTargetChannel", "LocalOneUniqueid",
        "LocalTwoUniqueid", "ActionID", "BridgeId", "Timestamp",
    ]
    static let values = [
        "1.1", "1.2", "1.3", "1.4", "PJSIP/101-1", "PJSIP/102-2", "Local/101@x-1;1", "PJSIP/carrier-3", "5", "6", "0",
        "ANSWER", "CANCEL", "BUSY", "NOANSWER", "Success", "b1", "b2", "16", "26", "", "<unknown>", "0312345678",
        "999999999999.999999", "-5", "x/y", "\u{1}",
    ]

    @Test func randomEventSequencesNeverCrashTheTracker() {
        let directory = MemberDirectory(replayGroup: "fuzz")
        var generator = SplitMix64(seed: 0xCAFE)
        var emitted = 0
        for round in 0..<200 {
            var tracker = AsteriskCallTracker(directory: directory)
            for step in 0..<200 {
                var headers = [
                    AMIHeader("Event", Self.eventNames[Int(generator.next() % UInt64(Self.eventNames.count))])
                ]
                for _ in 0..<Int(generator.next() % 12) {
                    headers.append(
                        AMIHeader(
                            Self.fields[Int(generator.next() % UInt64(Self.fields.count))],
                            Self.values[Int(generator.next() % UInt64(Self.values.count))]))
                }
                let events = tracker.handle(
                    AMIMessage(kind: .event, headers: headers),
                    receivedAt: EventTime(millisecondsSinceEpoch: Int64(round * 1000 + step)))
                for event in events {
                    #expect(throws: Never.self) { try event.validate() }
                }
                emitted += events.count
            }
        }
        #expect(emitted > 0)
    }

    @Test func garbageBytesNeverCrashTheDecoderAndTracker() {
        var generator = SplitMix64(seed: 0xBEEF)
        let alphabet = Array(
            "Event: DialBegin\r\nUniqueid: 1.1\r\nDestUniqueid: 1.2\r\nDestChannel: PJSIP/101-1\r\n\r\n".utf8)
        for _ in 0..<100 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(generator.next() % 4000) {
                bytes.append(
                    generator.next() % 4 == 0
                        ? UInt8(truncatingIfNeeded: generator.next())
                        : alphabet[Int(generator.next() % UInt64(alphabet.count))])
            }
            let result = AMIReplay.run([bytes[...]], directory: MemberDirectory(replayGroup: "fuzz"))
            #expect(result.events.allSatisfy { (try? $0.validate()) != nil })
        }
    }

    @Test func channelNames() {
        #expect(ChannelName("PJSIP/201-00000005").endpoint == "201")
        #expect(ChannelName("SIP/9170-12-0000003c").endpoint == "9170-12")
        #expect(ChannelName("DAHDI/1-1").endpoint == "1")
        #expect(ChannelName("SIP/101-0000000a<ZOMBIE>").endpoint == "101")
        #expect(ChannelName("Local/201@from-internal-0000002a;1").isPlumbing)
        #expect(ChannelName("Local/201@from-internal-0000002a,2").isPlumbing)
        #expect(ChannelName("Agent/1001").isPlumbing)
        #expect(!ChannelName("IAX2/trunk-1234").isPlumbing)
        #expect(ChannelName("PJSIP/alice-00000001").device == "PJSIP/alice")
        #expect(ChannelName("garbage").endpoint == "garbage")
    }

    @Test func familiesFromBannerVersions() {
        #expect(AMIFamily(amiVersion: "1.0") == .v14)
        #expect(AMIFamily(amiVersion: "1.1") == .v11)
        #expect(AMIFamily(amiVersion: "1.3") == .v11)
        #expect(AMIFamily(amiVersion: "2.0.0") == .v12)
        #expect(AMIFamily(amiVersion: "7.0.3") == .v12)
        #expect(AMIFamily(amiVersion: "13.0.0") == .v12)
        #expect(AMIFamily(amiVersion: "x") == nil)
    }

    @Test func timestampsToMilliseconds() {
        let message = AMIMessage(
            kind: .event, headers: [AMIHeader("Event", "X"), AMIHeader("Timestamp", "1732526400.123456")])
        #expect(AsteriskCallTracker.timestamp(message) == EventTime(millisecondsSinceEpoch: 1_732_526_400_123))
        let short = AMIMessage(
            kind: .event, headers: [AMIHeader("Event", "X"), AMIHeader("Timestamp", "1732526400.5")])
        #expect(AsteriskCallTracker.timestamp(short) == EventTime(millisecondsSinceEpoch: 1_732_526_400_500))
        let bad = AMIMessage(kind: .event, headers: [AMIHeader("Event", "X"), AMIHeader("Timestamp", "soon")])
        #expect(AsteriskCallTracker.timestamp(bad) == nil)
    }

    @Test func membersByDeviceExtensionAndTrunk() throws {
        let conf = """
            pbx.type = asterisk
            pbx.host = h
            pbx.trunks = SIP/carrier, from-pstn
            user.a.crmuser = 1
            user.a.extension = 101
            user.b.crmuser = 2
            user.b.extension = 102
            user.b.device = SIP/bob

            """
        let path = FileManager.temporaryFile(conf)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let directory = MemberDirectory(group: try ConfigurationLoader.loadGroupFile(path: path).0)
        #expect(directory.member(ChannelName("PJSIP/101-1"))?.extensionNumber == "101")
        #expect(directory.member(ChannelName("SIP/bob-1"))?.extensionNumber == "102")
        #expect(directory.member(ChannelName("sip/bob-1"))?.extensionNumber == "102")
        #expect(directory.member(ChannelName("Local/101@from-internal-1;1")) == nil)
        #expect(directory.member(ChannelName("SIP/carrier-1")) == nil)
        #expect(directory.member(ChannelName("SIP/101-1"), context: "from-pstn") == nil)
        #expect(directory.isInternal(ChannelName("SIP/150-1"), context: nil))
        #expect(!directory.isInternal(ChannelName("SIP/carrier-1"), context: nil))
        #expect(directory.withoutDialCode("90312345678") == "90312345678")
    }

    @Test func numbersInDialStrings() {
        #expect(CallTrackerCore.numberInDialString("PJSIP/0312345678@carrier") == "0312345678")
        #expect(CallTrackerCore.numberInDialString("0312345678@carrier") == "0312345678")
        #expect(CallTrackerCore.numberInDialString("SIP/trunk/0312345678") == "0312345678")
        #expect(CallTrackerCore.numberInDialString("101&102") == "101")
        #expect(CallTrackerCore.numberInDialString("PJSIP/alice") == nil)
    }
}

extension FileManager {
    /// A temporary `.properties` file holding `text`.
    static func temporaryFile(_ text: String) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zti-\(UInt64.random(in: 0...UInt64.max)).properties"
        ).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }
}

@Suite struct CallIdentifierTests {
    @Test func uniqueidsThatWouldBreakEventIdsAreEncoded() {
        #expect(CallTrackerCore.callIdentifier("1732526400.1") == "1732526400.1")
        #expect(CallTrackerCore.callIdentifier("pbx-1732526400.1") == "pbx-1732526400.1")
        #expect(CallTrackerCore.callIdentifier("a/b") == "a%2Fb")
        #expect(CallTrackerCore.callIdentifier("a%2Fb") == "a%252Fb")
        #expect(CallTrackerCore.callIdentifier("x\u{1}") == "x%01")
        #expect(CallTrackerCore.callIdentifier("") == "%00")
    }
}
