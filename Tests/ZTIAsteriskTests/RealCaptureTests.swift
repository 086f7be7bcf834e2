import Foundation
import Testing
import ZTICore

@testable import ZTIAsterisk

/// The real captures of `Transcripts/real/<release>/` (three real Asterisk releases, each call described in the
/// folder's README) against expected events written by hand from that description and the architecture's call
/// semantics (`<capture>.expected`), never from the tracker's output; with the banner and without it.
///
/// An expected line is `EXT STATE [CAUSE] DIRECTION FROM→TO call=X [attempt=N] [transferredTo=T]
/// [transferredCall=Y] [dialled=D] [talk=S]`, where X and Y name the calls in the order they first appear and `talk`
/// (checked only where a line gives it) is a final state's talk seconds. Lines are compared per extension, in order
/// (events of different members at the same moment may come in either order).
@Suite struct RealCaptureTests {
    static let directory = TranscriptTests.directory.appendingPathComponent("real")

    static var captures: [String] {
        TranscriptTests.files(in: directory, suffix: ".expected").map {
            String($0.dropLast(".expected".count)) + ".ami"
        }
    }

    static func lab() throws -> MemberDirectory {
        let (group, _) = try ConfigurationLoader.loadGroupFile(
            path: directory.appendingPathComponent("lab.properties").path)
        return MemberDirectory(group: group)
    }

    /// The events as expected lines, grouped per extension; a final state's line ends with its talk seconds.
    static func lines(_ events: [CallEvent]) -> [String: [String]] {
        var calls: [String: String] = [:]
        func label(_ callId: String) -> String {
            if let known = calls[callId] { return known }
            let next = String(UnicodeScalar(UInt8(65 + calls.count)))
            calls[callId] = next
            return next
        }
        var result: [String: [String]] = [:]
        for event in events {
            var line = "\(event.extension) \(event.state.rawValue)"
            if let cause = event.cause { line += " \(cause.rawValue)" }
            line += " \(event.direction.rawValue) \(event.from ?? "-")→\(event.to ?? "-") call=\(label(event.callId))"
            if event.attempt != 1 { line += " attempt=\(event.attempt)" }
            if let to = event.transferredTo { line += " transferredTo=\(to)" }
            if let call = event.transferredCallId { line += " transferredCall=\(label(call))" }
            if let dialled = event.dialled { line += " dialled=\(dialled)" }
            if let talk = event.talkSeconds { line += " talk=\(talk)" }
            result[event.extension, default: []].append(line)
        }
        return result
    }

    /// `actual` with the talk seconds dropped from every line whose expected line does not give them.
    static func aligned(_ actual: [String: [String]], to expected: [String: [String]]) -> [String: [String]] {
        actual.reduce(into: [:]) { result, entry in
            let wanted = expected[entry.key] ?? []
            result[entry.key] = entry.value.enumerated().map { index, line in
                guard index >= wanted.count || !wanted[index].contains(" talk="),
                    let range = line.range(of: " talk=")
                else { return line }
                return String(line[..<range.lowerBound])
            }
        }
    }

    static func expected(_ capture: String, in directory: URL = directory) throws -> [String: [String]] {
        let text = try String(
            contentsOf: directory.appendingPathComponent(String(capture.dropLast(4)) + ".expected"), encoding: .utf8)
        var result: [String: [String]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            result[String(line.prefix { $0 != " " }), default: []].append(String(line))
        }
        return result
    }

    @Test func everyRealCaptureHasItsExpectedEvents() {
        #expect(Self.captures.filter { $0.hasPrefix("22.10.1/") }.count == 11)
        #expect(Self.captures.filter { $0.hasPrefix("11.25.3/") }.count == 11)
        #expect(Self.captures.filter { $0.hasPrefix("1.4.44/") }.count == 10)
    }

    @Test(arguments: captures)
    func theCaptureGivesTheEventsItsDescriptionCallsFor(_ capture: String) throws {
        let bytes = Array(try Data(contentsOf: Self.directory.appendingPathComponent(capture)))
        let lab = try Self.lab()
        let expected = try Self.expected(capture)
        for bare in [false, true] {
            let input = bare ? FamilyInferenceTests.withoutBanner(bytes) : bytes
            let result = AMIReplay.run([input[...]], directory: lab)
            #expect(
                Self.aligned(Self.lines(result.events), to: expected) == expected,
                "\(capture)\(bare ? " without its banner" : "")")
            #expect(result.openLifecycles.isEmpty, "\(capture)")
        }
    }
}
