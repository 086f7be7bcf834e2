import Foundation
import Testing
import ZTIAvaya

/// Every input that `bin/fuzz.sh` kept for the DMCC target (`Fuzz/regressions/dmcc/`) goes through the same parsers
/// as the fuzz target, as an ordinary test: each must give messages or typed errors, never a crash.
@Suite struct FuzzRegressionTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/regressions/dmcc")

    static var inputs: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { !$0.hasPrefix(".") }
            .sorted()
    }

    @Test func theKeptInputsAreThere() {
        #expect(Self.inputs.contains("xmlparser-trap-on-invalid-utf8"))
    }

    @Test(arguments: inputs)
    func aKeptInputGivesMessagesOrTypedErrors(_ name: String) throws {
        let bytes = Array(try Data(contentsOf: Self.directory.appendingPathComponent(name)))
        var decoder = DMCCFrameDecoder()
        decoder.feed(bytes)
        while let frame = try? decoder.next() { _ = try? DMCCMessage.decode(frame) }
        var refusals: [ZTIAvayaError] = []
        for document in DMCCDocumentSplitter.split(bytes).documents {
            do {
                _ = try DMCCXMLParser.parse(Array(document))
            } catch {
                refusals.append(error)
            }
        }
        #expect(refusals.allSatisfy { $0.code == .xmlMalformed })
        if name == "xmlparser-trap-on-invalid-utf8" {
            // One bit flipped in a text node made Foundation's XMLParser trap: refused before it now.
            #expect(!refusals.isEmpty)
            #expect(refusals.allSatisfy { $0.message == "a DMCC message that is not valid UTF-8 (AES sends UTF-8)" })
        }
    }
}
