import ZTILink

/// How a DMCC support capture is redacted: the content of every `password` element (with any namespace prefix:
/// `StartApplicationSession` carries the CTI user's), the frame's length fixed to match.
public enum DMCCCaptureDialect {
    /// The dialect for ``StreamCapture``: the client hands over whole frames.
    public static let dialect = StreamCapture.Dialect(
        suffix: "dmcc", redactLine: nil, redactMessage: { redact(frame: $0) })

    static let redacted = Array("[redacted]".utf8)

    /// One frame (header and document) with its passwords redacted; a frame without one is returned as it is.
    public static func redact(frame: [UInt8]) -> [UInt8] {
        guard frame.count > DMCCFrame.headerSize else { return frame }
        let xml = Array(frame[DMCCFrame.headerSize...])
        let document = redact(document: xml)
        guard document != xml else { return frame }
        let total = min(document.count + DMCCFrame.headerSize, DMCCFrame.maximumSize)
        var header = Array(frame[..<DMCCFrame.headerSize])
        header[2] = UInt8(total >> 8)
        header[3] = UInt8(total & 0xFF)
        return header + document
    }

    /// The document with the content of each `<password>` or `<prefix:password>` element replaced.
    static func redact(document: [UInt8]) -> [UInt8] {
        let name = Array("password".utf8)
        var out: [UInt8] = []
        var index = 0
        while index < document.count {
            out.append(document[index])
            guard document[index] == UInt8(ascii: "<"), index + 1 < document.count,
                document[index + 1] != UInt8(ascii: "/")
            else {
                index += 1
                continue
            }
            // The tag's name, up to `>`, a space or `/`.
            var nameEnd = index + 1
            while nameEnd < document.count,
                ![UInt8(ascii: ">"), UInt8(ascii: " "), UInt8(ascii: "/")].contains(document[nameEnd])
            {
                nameEnd += 1
            }
            let tag = document[(index + 1)..<nameEnd]
            let local = tag.lastIndex(of: UInt8(ascii: ":")).map { tag[($0 + 1)...] } ?? tag
            // Past its attributes to the end of the start tag; an empty element (`/>`) has nothing to redact.
            var tagEnd = nameEnd
            while tagEnd < document.count, document[tagEnd] != UInt8(ascii: ">") { tagEnd += 1 }
            guard Array(local) == name, tagEnd < document.count, document[tagEnd - 1] != UInt8(ascii: "/") else {
                index += 1
                continue
            }
            out += document[(index + 1)...tagEnd]
            var close = tagEnd + 1
            while close < document.count, document[close] != UInt8(ascii: "<") { close += 1 }
            out += redacted
            index = close
        }
        return out
    }
}
