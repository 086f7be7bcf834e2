import Foundation
import Testing
import ZTICore

@testable import ZTIAsterisk

/// Transcripts of our own, one per call shape in each family where the shape exists (`Transcripts/shapes/<family>/`,
/// each call described in its `.expected` header), against expected events written by hand from that description
/// and the call semantics, in the format of the real captures (``RealCaptureTests``); with the banner and without.
@Suite struct ShapeTranscriptTests {
    static let directory = TranscriptTests.directory.appendingPathComponent("shapes")

    static var shapes: [String] {
        TranscriptTests.files(in: directory, suffix: ".expected").map {
            String($0.dropLast(".expected".count)) + ".ami"
        }
    }

    /// The shapes each family must have a transcript of.
    static let required: [String: [String]] = [
        "12": [
            "already-up", "blind-transfer-unanswered", "click-to-dial-local", "consult-transfer", "follow-me-local",
            "local-optimised",
        ],
        "11": [
            "already-up", "click-to-dial-local", "consult-transfer", "follow-me-local", "local-optimised",
            "queue-agent-events",
        ],
        "1.4": [
            "already-up", "click-to-dial-local", "consult-transfer", "dial-timed-out", "follow-me-local",
            "local-optimised", "queue-agent-events",
        ],
    ]

    @Test func everyFamilyHasATranscriptOfEachOfItsShapes() {
        for (family, names) in Self.required {
            let present = Self.shapes.filter { $0.hasPrefix(family + "/") }.map {
                String($0.dropFirst(family.count + 1).dropLast(4))
            }
            #expect(Set(names).isSubset(of: Set(present)), "\(family): \(present)")
        }
    }

    @Test(arguments: shapes)
    func theShapeGivesTheEventsItsDescriptionCallsFor(_ shape: String) throws {
        let bytes = Array(try Data(contentsOf: Self.directory.appendingPathComponent(shape)))
        let members = try TranscriptTests.members()
        let expected = try RealCaptureTests.expected(shape, in: Self.directory)
        for bare in [false, true] {
            let input = bare ? FamilyInferenceTests.withoutBanner(bytes) : bytes
            let result = AMIReplay.run([input[...]], directory: members)
            #expect(result.family == AMIFamily(rawValue: String(shape.prefix { $0 != "/" })))
            #expect(
                RealCaptureTests.aligned(RealCaptureTests.lines(result.events), to: expected) == expected,
                "\(shape)\(bare ? " without its banner" : "")")
            #expect(result.openLifecycles.isEmpty, "\(shape)")
        }
    }
}
