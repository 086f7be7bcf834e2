import Foundation
import Testing
import ZTITestKit

@testable import ZTICore

/// The hand-written `ACK` codec against Foundation's: byte-identical output, the same acks read back, the same
/// inputs refused.
@Suite struct AckJSONTests {
    private static let alphabet: [String] =
        ["a", "Z", "0", "/", "\\", "\"", "\u{7F}", "é", "電話", "😀", "\u{2028}"]
        + (0..<32).map { String(Unicode.Scalar(UInt8($0))) }

    private static func text(_ generator: inout SplitMix64) -> String {
        (0..<Int(generator.next() % 10)).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            .joined()
    }

    static func randomAck(_ generator: inout SplitMix64) -> Ack {
        let ids = (0..<Int(generator.next() % 6)).map { _ in "g/c\(generator.next() % 1000)/" + text(&generator) }
        return Ack(ids: ids, group: generator.next() % 3 == 0 ? nil : text(&generator))
    }

    @Test func theWriterIsByteIdenticalToFoundationsCanonicalForm() throws {
        var generator = SplitMix64(seed: 14)
        for _ in 0..<2_000 {
            let ack = Self.randomAck(&generator)
            let ours = AckJSON.bytes(ack)
            #expect(ours == Array(CanonicalJSON.data(ack)))
            #expect(try AckJSON.decode(ours) == ack)
            #expect(try JSONDecoder().decode(Ack.self, from: Data(ours)) == ack)
        }
    }

    @Test func anAckFrameRoundTripsThroughTheFrameCodec() throws {
        let ack = Ack(ids: ["g/1.1/101/ringing/1", "g/1.1/101/answered/1"], group: "g")
        var decoder = FrameDecoder(receiver: .worker, sender: .supervisor)
        decoder.feed(try FrameEncoder.encode(.ack(ack))[...])
        guard case .ack(let read)? = try decoder.next() else {
            Issue.record("the frame did not decode as an ACK")
            return
        }
        #expect(read == ack)
    }

    @Test(arguments: [
        #" { "unknown": [1, {"a": null}], "ids" : [ "a\/b" , "\u00e9" ] , "group" : null } "#,
        #"{"group":"g","ids":[],"more":{"deep":[[]]}}"#,
        #"{"ids":["x"],"group":"g\ud83d\ude00"}"#,
    ])
    func nonCanonicalAcksReadAsFoundationReadsThem(text: String) throws {
        let foundation = try JSONDecoder().decode(Ack.self, from: Data(text.utf8))
        #expect(try AckJSON.decode(Array(text.utf8)) == foundation)
    }

    @Test(arguments: [
        #"{"group":"g"}"#,  // no ids
        #"{"ids":"a"}"#,
        #"{"ids":["a",null]}"#,
        #"{"ids":["a",1]}"#,
        #"{"ids":["a""b"]}"#,
        #"{"ids":["a"],"group":7}"#,
        #"{"ids":["a"]} trailing"#,
        #"{"ids":["\ud800"]}"#,
        #"{"ids":["a"]"#,
        #"["a"]"#,
        "",
    ])
    func malformedAcksAreRefusedWithAReason(text: String) {
        Self.expectRefused(text)
    }

    /// Foundation lets a trailing comma through; JSON does not, and no peer writes one.
    @Test func aTrailingCommaIsRefused() {
        #expect(throws: ZTICoreError.self) { try AckJSON.decode(Array(#"{"ids":["a",]}"#.utf8)) }
    }

    private static func expectRefused(_ text: String) {
        #expect((try? JSONDecoder().decode(Ack.self, from: Data(text.utf8))) == nil)
        #expect {
            try AckJSON.decode(Array(text.utf8))
        } throws: { error in
            guard let error = error as? ZTICoreError else { return false }
            return error.code == .framePayloadInvalid && !error.message.isEmpty
        }
    }
}
