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
}
