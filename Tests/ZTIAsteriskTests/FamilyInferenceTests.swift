import Foundation
import Testing
import ZTICore
import ZTITestKit

@testable import ZTIAsterisk

/// A stream without its banner (a listener that logged in before the capture began, a proxy, a capture cut from
/// the middle of a session) is read in the family its first telling events show, and gives exactly the events it
/// gives with its banner: every transcript and every real capture, whole, cut at the start, and byte by byte.
@Suite struct FamilyInferenceTests {
    static let directory = TranscriptTests.directory

    /// The transcripts of every family, the real captures (`real/<release>/`) and the shape transcripts
    /// (`shapes/<family>/`), with the family each is of.
    static var captures: [(path: String, family: AMIFamily)] {
        var result: [(String, AMIFamily)] = TranscriptTests.transcripts.map {
            ($0, AMIFamily(rawValue: String($0.prefix { $0 != "/" }))!)
        }
        for (release, family) in [("1.4.44", AMIFamily.v14), ("11.25.3", .v11), ("22.10.1", .v12)] {
            let folder = directory.appendingPathComponent("real/\(release)").path
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            result += files.filter { $0.hasSuffix(".ami") }.sorted().map { ("real/\(release)/\($0)", family) }
        }
        result += ShapeTranscriptTests.shapes.map {
            ("shapes/" + $0, AMIFamily(rawValue: String($0.prefix { $0 != "/" }))!)
        }
        return result
    }

    static var paths: [String] { captures.map(\.path) }

    static func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(path)))
    }

    /// The capture without its first line when that line is a banner.
    static func withoutBanner(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.starts(with: Array("Asterisk Call Manager/".utf8)), let end = bytes.firstIndex(of: 0x0A) else {
            return bytes
        }
        return Array(bytes[(end + 1)...])
    }

    static func family(of path: String) -> AMIFamily {
        captures.first { $0.path == path }!.family
    }

    @Test func everyFamilyHasRealCaptures() {
        for family in AMIFamily.allCases {
            #expect(Self.captures.filter { $0.path.hasPrefix("real/") && $0.family == family }.count >= 10)
        }
    }

    @Test(arguments: paths)
    func withoutItsBannerACaptureGivesTheSameEventsInTheSameFamily(_ path: String) throws {
        let bytes = try Self.bytes(path)
        let members = try TranscriptTests.members()
        let banner = AMIReplay.run([bytes[...]], directory: members)
        #expect(banner.family == Self.family(of: path))
        #expect(banner.familySource == .banner)
        let bare = Self.withoutBanner(bytes)
        #expect(bare.count < bytes.count)
        let inferred = AMIReplay.run([bare[...]], directory: members)
        #expect(inferred.family == Self.family(of: path))
        // A capture that reconnects has a banner further on, which tells the family again.
        let reconnects = String(decoding: bare, as: UTF8.self).contains("Asterisk Call Manager/")
        #expect(inferred.familySource == (reconnects ? .banner : .events))
        #expect(TranscriptTests.lines(inferred) == TranscriptTests.lines(banner))
        // One byte at a time: the same.
        let bytewise = AMIReplay.run(bare.indices.map { bare[$0...$0] }, directory: members)
        #expect(TranscriptTests.lines(bytewise) == TranscriptTests.lines(banner))
    }

    @Test(arguments: paths)
    func aCaptureCutAtTheStartIsStillReadInItsFamily(_ path: String) throws {
        let text = String(decoding: try Self.bytes(path), as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        // Cut after the third message: no banner, no login reply, whatever events came first.
        let messages = text.components(separatedBy: "\n\n")
        guard messages.count > 6 else { return }
        let cut = Array(messages.dropFirst(3).joined(separator: "\n\n").utf8)
        let result = AMIReplay.run([cut[...]], directory: try TranscriptTests.members())
        #expect(result.family == Self.family(of: path), "\(path)")
        let reconnects = String(decoding: cut, as: UTF8.self).contains("Asterisk Call Manager/")
        #expect(result.familySource == (reconnects ? .banner : .events))
    }

    @Test func theMarkersOfEachFamily() {
        func event(_ name: String, _ headers: [(String, String)]) -> AMIMessage {
            AMIMessage(kind: .event, headers: [AMIHeader("Event", name)] + headers.map { AMIHeader($0.0, $0.1) })
        }
        let cases: [(AMIMessage, AMIFamily?)] = [
            (event("Newchannel", [("State", "Ring"), ("Uniqueid", "1.1")]), .v14),
            (event("Newchannel", [("ChannelState", "4"), ("Uniqueid", "1.1")]), .v11),
            (event("Newchannel", [("ChannelState", "4"), ("Uniqueid", "1.1"), ("Linkedid", "1.1")]), .v12),
            (event("Link", [("Channel1", "SIP/a")]), .v14),
            (event("Unlink", [("Channel1", "SIP/a")]), .v14),
            (event("Newcallerid", [("Channel", "SIP/a")]), .v14),
            (event("NewCallerid", [("Channel", "SIP/a")]), .v11),
            (event("NewCallerid", [("Channel", "SIP/a"), ("Linkedid", "1.1")]), .v12),
            (event("Dial", [("Source", "SIP/a"), ("Destination", "SIP/b")]), .v14),
            (event("Dial", [("SubEvent", "Begin"), ("Channel", "SIP/a")]), .v11),
            (event("Bridge", [("Bridgestate", "Link")]), .v11),
            (event("Masquerade", [("Clone", "SIP/a")]), .v11),
            (event("Rename", [("Oldname", "SIP/a"), ("Newname", "SIP/b")]), .v14),
            (event("Rename", [("Channel", "SIP/a"), ("Newname", "SIP/b")]), .v11),
            (event("DialBegin", [("Channel", "SIP/a")]), .v12),
            (event("BridgeEnter", [("Channel", "SIP/a")]), .v12),
            (event("VarSet", [("Channel", "SIP/a"), ("Variable", "x"), ("Uniqueid", "1.1")]), nil),
            (event("Newexten", [("Channel", "SIP/a"), ("Uniqueid", "1.1")]), nil),
            (event("ExtensionStatus", [("Exten", "101"), ("Status", "1")]), nil),
            (AMIMessage(kind: .response, headers: [AMIHeader("Response", "Success")]), nil),
            (AMIMessage(kind: .banner, body: "Asterisk Call Manager/1.1"), .v11),
            (AMIMessage(kind: .banner, body: "AMI proxy"), nil),
        ]
        for (message, family) in cases {
            #expect(AMIFamilyInference.family(of: message) == family, "\(message.headers)")
        }
        func settings(_ headers: [(String, String)]) -> AMIMessage {
            AMIMessage(kind: .response, headers: headers.map { AMIHeader($0.0, $0.1) })
        }
        #expect(AMIFamilyInference.family(coreSettings: settings([("AMIversion", "1.1")])) == .v11)
        #expect(AMIFamilyInference.family(coreSettings: settings([("AMIversion", "2.8.0")])) == .v12)
        #expect(AMIFamilyInference.family(coreSettings: settings([("AsteriskVersion", "1.8.32.3")])) == .v11)
        #expect(AMIFamilyInference.family(coreSettings: settings([("AsteriskVersion", "13.38.3")])) == .v12)
        #expect(AMIFamilyInference.family(coreSettings: settings([("AsteriskVersion", "SVN-trunk")])) == nil)
    }

    @Test func messagesAreHeldUntilTheFamilyIsToldAndAFullBufferTakes12() throws {
        var tracker = AsteriskCallTracker.detecting(directory: try TranscriptTests.members())
        let quiet = AMIMessage(
            kind: .event, headers: [AMIHeader("Event", "ExtensionStatus"), AMIHeader("Exten", "101")])
        for n in 1..<AsteriskCallTracker.undecidedLimit {
            #expect(tracker.handle(quiet, receivedAt: EventTime(millisecondsSinceEpoch: Int64(n))).isEmpty)
        }
        #expect(tracker.isUndecided)
        _ = tracker.handle(quiet, receivedAt: EventTime(millisecondsSinceEpoch: 0))
        #expect(!tracker.isUndecided)
        #expect(tracker.family == .v12 && tracker.familySource == .assumed)
    }

    @Test func aGivenFamilyWinsOverTheBanner() throws {
        let bytes = try Self.bytes("1.4/inbound-answered.ami")
        let members = try TranscriptTests.members()
        let given = AMIReplay.run([bytes[...]], directory: members, family: .v14)
        #expect(given.familySource == .given)
        #expect(TranscriptTests.lines(given) == (try TranscriptTests.golden("1.4/inbound-answered.ami")))
        let wrong = AMIReplay.run([bytes[...]], directory: members, family: .v12)
        #expect(wrong.family == .v12 && wrong.events.isEmpty && wrong.callEventsRead > 0)
    }
}
