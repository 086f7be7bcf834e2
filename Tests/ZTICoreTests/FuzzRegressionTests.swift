import Foundation
import Testing

@testable import ZTICore

/// Every input that `bin/fuzz.sh` kept for the ZTICore targets (`Fuzz/regressions/{frames,events,properties}/`),
/// plus the properties target's seeds, goes through the same checks as the fuzz targets, as an ordinary test.
@Suite struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func kept(_ target: String) -> [URL] {
        let directory = root.appendingPathComponent("Fuzz/regressions/\(target)")
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter {
            !$0.hasPrefix(".")
        }.sorted().map { directory.appendingPathComponent($0) }
    }

    @Test func keptFrameInputsAreRefusedWithTypedErrorsOrDecodeAgainAfterReEncoding() throws {
        // A seed like the fuzz target's (supervisor → uploader: HELLO then EVENT), so the round trip is always checked.
        let event = CallEvent(
            group: "sales", pbx: .asterisk, callId: "1.1", direction: .inbound, state: .ringing, extension: "101",
            attempt: 1, at: EventTime(millisecondsSinceEpoch: 0))
        let seed =
            [
                UInt8(
                    PeerRole.allCases.firstIndex(of: .uploader)! * PeerRole.allCases.count
                        + PeerRole.allCases.firstIndex(of: .supervisor)!), 0,
            ]
            + (try FrameEncoder.encode(.hello(Hello(role: .supervisor, pid: 1, groups: ["sales"]))))
            + (try FrameEncoder.encode(.event(event, resumeKey: nil)))
        var decodedFrames = 0
        for (name, input) in [("seed", seed)]
            + (Self.kept("frames") + Self.kept("events")).map({
                ($0.lastPathComponent, Array((try? Data(contentsOf: $0)) ?? Data()))
            })
        {
            let file = URL(fileURLWithPath: name)
            // As the fuzz target reads it: who talks to whom, how the bytes arrive (here: all at once), the bytes.
            let bytes = input
            guard bytes.count >= 2 else { continue }
            let pairs = PeerRole.allCases.flatMap { a in PeerRole.allCases.map { b in (a, b) } }
            let (receiver, sender) = pairs[Int(bytes[0]) % pairs.count]
            var decoder = FrameDecoder(receiver: receiver, sender: sender)
            decoder.feed(bytes.dropFirst(2))
            while let frame = try? decoder.next() {
                let encoded = try FrameEncoder.encode(frame)
                var again = FrameDecoder(receiver: receiver, sender: sender)
                again.feed(encoded)
                #expect(try again.next().map { try FrameEncoder.encode($0) } == encoded, "\(file.lastPathComponent)")
                decodedFrames += 1
            }
        }
        #expect(decodedFrames >= 2)
    }

    @Test func clickToDialRequestsAreCheckedAsTheFuzzTargetChecksThem() throws {
        let text =
            "pbx.type = asterisk\npbx.host = h\npbx.username = u\npbx.password = x\n"
            + "pbx.dialcodes = LOCAL:9\nuser.alice.crmuser = 111\nuser.alice.extension = 101\n"
            + "user.alice.dialcode = LOCAL\n"
        let file = PropertiesFile.parse(Array(text.utf8), path: "fuzz.properties")
        let groups = [try #require(GroupConfigReader.read(file, key: "sales", confDir: "/none").group)]
        let secret = Array("c2d-secret".utf8)
        func check(_ method: String, _ target: String, _ headers: [String: String], _ body: String) -> String {
            switch ClickToDialRequest.parse(
                method: method, target: target, headers: headers, body: Array(body.utf8), secret: secret,
                groups: groups)
            {
            case .success(let request): return "dial \(request.dialString)"
            case .failure(let refusal): return "\(refusal.status) \(refusal.message)"
            }
        }
        #expect(check("GET", "/d?tonumber=0312345678&zohouser=111&ztitoken=c2d-secret", [:], "") == "dial 90312345678")
        #expect(check("POST", "/d", ["ztitoken": "wrong"], "tonumber=1&zohouser=111").hasPrefix("401 "))
        #expect(check("PUT", "/d", [:], "") == "405 use POST (or GET) with tonumber and zohouser")
        let json = ["content-type": "application/json", "ztitoken": "c2d-secret"]
        #expect(
            check("POST", "/d", json, #"{"tonumber": 312345678, "zohouser": "111"}"#)
                == "400 tonumber must be a JSON string (a JSON number loses its leading zeros: 0312… would be dialled "
                + "as 312…)")
        #expect(check("POST", "/d", json, #"{"tonumber": "0312345678", "zohouser": "111"}"#) == "dial 90312345678")
        // Kept fuzz inputs: never accepted without the token, never dialling anything but 0-9 * #.
        for input in Self.kept("clicktodial") {
            let bytes = Array(try Data(contentsOf: input))
            guard let first = bytes.first else { continue }
            let parts = String(decoding: bytes.dropFirst(), as: UTF8.self).components(separatedBy: "\n\n")
            let outcome = check(
                ["POST", "GET", "PUT"][Int(first) % 3], parts.first ?? "", [:],
                parts.dropFirst(2).joined(separator: "\n\n"))
            #expect(!outcome.hasPrefix("dial ") || outcome.dropFirst(5).allSatisfy { "0123456789*#".contains($0) })
        }
    }

    @Test func keptPropertiesInputsAndTheShippedFilesGivePrintableDiagnostics() throws {
        var files = Self.kept("properties")
        for folder in ["conf", "conf/groups", "conf/avaya"] {
            let directory = Self.root.appendingPathComponent(folder)
            files += ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter {
                $0.hasSuffix(".properties")
            }.map { directory.appendingPathComponent($0) }
        }
        #expect(files.count >= 3)
        for file in files {
            let bytes = Array(try Data(contentsOf: file))
            let parsed = PropertiesFile.parse(bytes, path: "fuzz.properties")
            #expect(Set(parsed.entries.map(\.key)).count == parsed.entries.count)
            let (_, global) = GlobalConfigReader.read(parsed, confDir: "/nonexistent-fuzz")
            let group = GroupConfigReader.read(parsed, key: "fuzz", confDir: "/nonexistent-fuzz")
            for diagnostic in parsed.diagnostics + global + group.diagnostics {
                #expect(
                    !diagnostic.description.unicodeScalars.contains {
                        $0.value < 0x20 || (0x7F...0x9F).contains($0.value)
                    })
            }
        }
    }
}
