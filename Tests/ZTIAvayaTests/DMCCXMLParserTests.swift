import Foundation
import Testing
import ZTITestKit

@testable import ZTIAvaya

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The byte-level DMCC XML reader against Foundation's `XMLParser` (kept here only, as the oracle): the same tree
/// for every document of the AES scenarios and for documents with every construct DMCC may carry, and a refusal
/// wherever the oracle refuses.
@Suite struct DMCCXMLParserTests {
    static let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Scenarios")

    static func scenarioDocuments() throws -> [[UInt8]] {
        var documents: [[UInt8]] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: scenarios.path).sorted()
        where name.hasSuffix(".xml") {
            let bytes = Array(try Data(contentsOf: scenarios.appendingPathComponent(name)))
            documents += DMCCDocumentSplitter.split(bytes).documents.map { Array($0) }
        }
        return documents
    }

    @Test func everyScenarioDocumentGivesFoundationsTree() throws {
        let documents = try Self.scenarioDocuments()
        #expect(documents.count > 200)
        for document in documents {
            let ours = try DMCCXMLParser.parse(document)
            #expect(ours == Oracle.parse(document), "\(String(decoding: document.prefix(120), as: UTF8.self))")
        }
    }

    @Test(arguments: [
        // Entities and character references, in text and attributes; CDATA; comments and processing instructions.
        #"<a x="&lt;&#65;&#x42;&amp;&quot;&apos;">t&gt;&#233;<![CDATA[<raw> & ]]>u<!-- c --><?pi x?></a>"#,
        // Namespaces by local name; xmlns declarations dropped; attributes sorted by local name.
        #"<?xml version="1.0" encoding="UTF-8"?><csta:Ev xmlns:csta="urn:x" xmlns="urn:y" z="1" a:b="2"><p:c/></csta:Ev>"#,
        // Line ends: CR LF and CR become LF in text; in attributes every line end and tab becomes a space.
        "<a v=\"1\r\n2\t3\n4\">x\r\ny\rz</a>",
        // White space between elements belongs to the parent's text, as Foundation reports it.
        "<a>\n  <b> one </b>\n  <c/>\n</a>\n",
        "\u{FEFF}<a>bom</a>",
        "<a>😀 電話 é</a>",
        "<a b='single'/>",
    ])
    func constructsGiveFoundationsTree(xml: String) throws {
        let bytes = Array(xml.utf8)
        #expect(try DMCCXMLParser.parse(bytes) == Oracle.parse(bytes))
    }

    @Test(arguments: [
        "<a>", "<a></b>", "<a><b></a></b>", "<a x=1/>", "<a x=\"1\" x=\"2\"/>", "<a x=\"<\"/>", "<a>&unknown;</a>",
        "<a>&#0;</a>", "<a>&#xD800;</a>", "<a>&amp</a>", "<a/><b/>", "text<a/>", "<a/>text", "<a>\u{1}</a>",
        "<a><!-- -- --></a>", "<a x=\"1\"y=\"2\"/>", "<1a/>", "<a><![CDATA[open</a>", "<a>\u{FFFE}</a>",
    ])
    func malformedDocumentsAreRefused(xml: String) {
        #expect(throws: ZTIAvayaError.self) { try DMCCXMLParser.parse(Array(xml.utf8)) }
    }

    /// Mutations of real documents: where both give a tree it is the same tree, and nothing the oracle refuses is
    /// accepted. The reverse is allowed: Foundation's parser on Linux returns a tree for some documents that are not
    /// well-formed (a mismatched end tag, content after the root), which ours refuses.
    @Test func mutatedDocumentsAgreeWithFoundation() throws {
        let documents = try Self.scenarioDocuments()
        var generator = SplitMix64(seed: 0xD3CC)
        let alphabet = Array("<>/&;=\"' \r\n\t#x:!-?[]abc0".utf8)
        var agreedTrees = 0
        var agreedRefusals = 0
        for round in 0..<3_000 {
            var bytes = documents[Int(generator.next() % UInt64(documents.count))]
            for _ in 0..<Int(generator.next() % 3) + 1 where !bytes.isEmpty {
                let index = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 3 {
                case 0: bytes[index] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: index)
                default: bytes.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: index)
                }
            }
            let oracle = Oracle.parse(bytes)
            let ours = try? DMCCXMLParser.parse(bytes)
            switch (ours, oracle) {
            case (let ours?, let oracle?):
                #expect(ours == oracle, "round \(round): \(String(decoding: bytes, as: UTF8.self))")
                agreedTrees += 1
            case (_?, nil) where !Self.knownDifference(bytes):
                Issue.record("round \(round) was accepted: \(String(decoding: bytes, as: UTF8.self))")
            case (nil, nil): agreedRefusals += 1
            default: break
            }
        }
        #expect(agreedTrees > 200)
        #expect(agreedRefusals > 500)
    }

    /// Where a mutation made a comment or CDATA section, the two may read it differently.
    static func knownDifference(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.contains("<!--") || text.contains("]]>")
    }

    /// Foundation's parser, building the tree as ztisup did before the byte-level reader.
    enum Oracle {
        static func parse(_ bytes: [UInt8]) -> DMCCElement? {
            guard bytes.count >= 2, !DMCCXMLParser.containsDoctype(bytes),
                String(validating: bytes, as: UTF8.self) != nil
            else { return nil }
            let parser = XMLParser(data: Data(bytes))
            let builder = Builder()
            parser.delegate = builder
            parser.shouldProcessNamespaces = false
            parser.shouldResolveExternalEntities = false
            guard parser.parse(), !builder.failed else { return nil }
            return builder.root
        }

        final class Builder: NSObject, XMLParserDelegate {
            var stack: [DMCCElement] = []
            var root: DMCCElement?
            var failed = false

            func parser(
                _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]
            ) {
                guard stack.count < DMCCXMLParser.maximumDepth else {
                    failed = true
                    parser.abortParsing()
                    return
                }
                let kept = attributes.filter { !$0.key.hasPrefix("xmlns") }
                    .map { DMCCElement.Attribute(DMCCXMLParser.localName($0.key), $0.value) }
                    .sorted { $0.name < $1.name }
                stack.append(DMCCElement(DMCCXMLParser.localName(elementName), attributes: kept))
            }

            func parser(_ parser: XMLParser, foundCharacters string: String) {
                guard !stack.isEmpty else { return }
                stack[stack.count - 1].text += string
            }

            func parser(_ parser: XMLParser, foundCDATA block: Data) {
                guard !stack.isEmpty else { return }
                stack[stack.count - 1].text += String(decoding: block, as: UTF8.self)
            }

            func parser(
                _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                qualifiedName: String?
            ) {
                guard let element = stack.popLast() else { return }
                if stack.isEmpty {
                    root = element
                } else {
                    stack[stack.count - 1].children.append(element)
                }
            }
        }
    }
}
