import Foundation
import Testing

@testable import ZTIAsterisk

/// Every input that `bin/fuzz.sh` kept for the AMI target (`Fuzz/regressions/ami/`) goes through the decoder as the
/// fuzz target feeds it, as an ordinary test: bounded buffering and no line break in any header, never a crash.
@Suite struct FuzzRegressionTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/regressions/ami")

    static var inputs: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { !$0.hasPrefix(".") }
            .sorted()
    }

    @Test func keptInputsAndTheSeedCorpusDecodeWithinTheirBounds() throws {
        var files = Self.inputs.map { Self.directory.appendingPathComponent($0) }
        // The fuzz target's seeds too, so that this test runs the target's checks even while nothing is kept.
        files += TranscriptTests.transcripts.map { TranscriptTests.directory.appendingPathComponent($0) }
        for file in files {
            let bytes = Array(try Data(contentsOf: file))
            let limits = AMIDecoder.Limits(maximumMessageBytes: 4096, maximumBodyBytes: 2048)
            var decoder = AMIDecoder(droppedEvents: ["VarSet"], droppedEventPrefixes: ["RTCP"], limits: limits)
            let chunk = max(1, Int(bytes.first ?? 1))
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + chunk)
                decoder.feed(bytes[offset..<end])
                while let message = decoder.next() {
                    #expect(!message.headers.contains { $0.name.contains("\n") || $0.value.contains("\n") })
                }
                #expect(
                    decoder.bufferedByteCount <= limits.maximumMessageBytes + chunk + 2, "\(file.lastPathComponent)")
                offset = end
            }
        }
    }

    /// The in-place reader gives what the copying reader gives, message for message, with the same lookups (by the
    /// names that are ASCII: a name read as ISO-8859-1 cannot be found by its text; the kept input
    /// `latin1-header-name-lookup` is such a block).
    @Test func theInPlaceViewAgreesWithTheCopy() throws {
        #expect(Self.inputs.contains("latin1-header-name-lookup"))
        var files = Self.inputs.map { Self.directory.appendingPathComponent($0) }
        files += TranscriptTests.transcripts.map { TranscriptTests.directory.appendingPathComponent($0) }
        var compared = 0
        for file in files {
            let bytes = Array(try Data(contentsOf: file))
            var copying = AMIDecoder(droppedEvents: [], droppedEventPrefixes: [])
            var viewing = AMIDecoder(droppedEvents: [], droppedEventPrefixes: [])
            copying.feed(bytes)
            viewing.feed(bytes)
            while let message = copying.next() {
                let viewed = viewing.nextView { view -> AMIMessage in
                    for header in message.headers where header.name.utf8.allSatisfy({ $0 < 0x80 }) {
                        #expect(view.contains(header.name) && view[header.name] == message[header.name])
                    }
                    #expect(view.headerCount == message.headerCount)
                    return view.message
                }
                #expect(viewed == message, "\(file.lastPathComponent)")
                compared += 1
            }
            #expect(viewing.nextView { _ in true } == nil)
        }
        #expect(compared > 1000)
    }
}
