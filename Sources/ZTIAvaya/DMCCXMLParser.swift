import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Parses one DMCC document into a ``DMCCElement`` tree, by local names: namespace prefixes are dropped and
/// undeclared ones tolerated, as AES's own clients rely on. Documents with a DOCTYPE are refused (AES sends none,
/// and entity definitions are how XML documents are made to explode).
public enum DMCCXMLParser {
    /// Elements nested deeper than this are refused (DMCC messages are about 10 deep).
    public static let maximumDepth = 64

    /// The document's root element.
    ///
    /// - Throws: ``ZTIAvayaError`` (`xmlMalformed`) naming what was wrong.
    public static func parse(_ bytes: [UInt8]) throws(ZTIAvayaError) -> DMCCElement {
        if bytes.count < 2 {
            throw ZTIAvayaError(.xmlMalformed, "an empty DMCC message (no XML document)")
        }
        if Self.containsDoctype(bytes) {
            throw ZTIAvayaError(.xmlMalformed, "a DMCC message with a DOCTYPE (refused: AES sends none)")
        }
        // AES sends UTF-8; Foundation's XMLParser traps (a crash of the worker) on some documents that are not valid
        // UTF-8, which fuzzing found: refused before it sees them.
        if String(validating: bytes, as: UTF8.self) == nil {
            throw ZTIAvayaError(.xmlMalformed, "a DMCC message that is not valid UTF-8 (AES sends UTF-8)")
        }
        let parser = XMLParser(data: Data(bytes))
        let builder = TreeBuilder()
        parser.delegate = builder
        parser.shouldProcessNamespaces = false
        parser.shouldReportNamespacePrefixes = false
        parser.shouldResolveExternalEntities = false
        let parsed = parser.parse()
        if let failure = builder.failure { throw ZTIAvayaError(.xmlMalformed, failure) }
        guard parsed, let root = builder.root else {
            let line = parser.lineNumber
            let reason = parser.parserError.map { "XML error \(($0 as NSError).code)" } ?? "not well-formed"
            throw ZTIAvayaError(.xmlMalformed, "a DMCC message is not well-formed XML (\(reason), line \(line))")
        }
        return root
    }

    static func containsDoctype(_ bytes: [UInt8]) -> Bool {
        let marker = Array("<!DOCTYPE".utf8)
        guard bytes.count >= marker.count else { return false }
        for start in 0...(bytes.count - marker.count) where bytes[start] == UInt8(ascii: "<") {
            if bytes[start..<start + marker.count].elementsEqual(marker, by: { $0 & 0xDF == $1 & 0xDF }) {
                return true
            }
        }
        return false
    }

    static func localName(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    /// Builds the tree from the parser's callbacks.
    private final class TreeBuilder: NSObject, XMLParserDelegate {
        var stack: [DMCCElement] = []
        var root: DMCCElement?
        var failure: String?

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName: String?, attributes: [String: String] = [:]
        ) {
            guard stack.count < DMCCXMLParser.maximumDepth else {
                failure = "a DMCC message nests elements deeper than \(DMCCXMLParser.maximumDepth)"
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

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?
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
