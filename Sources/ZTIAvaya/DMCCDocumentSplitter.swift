/// Splits bare XML documents written one after another (a capture without DMCC headers) at the end of each root
/// element, whatever the line breaks. A pure function over bytes.
public enum DMCCDocumentSplitter {
    /// The documents in `bytes`, and the bytes after the last complete one.
    public static func split(_ bytes: [UInt8]) -> (documents: [ArraySlice<UInt8>], rest: ArraySlice<UInt8>) {
        var documents: [ArraySlice<UInt8>] = []
        var start = 0
        var depth = 0
        var index = 0
        var sawRoot = false
        let lt = UInt8(ascii: "<")
        let gt = UInt8(ascii: ">")
        let slash = UInt8(ascii: "/")
        while index < bytes.count {
            guard bytes[index] == lt else {
                index += 1
                continue
            }
            // Find the end of this markup; comments, declarations and processing instructions do not nest.
            guard let close = bytes[index...].firstIndex(of: gt) else { break }
            let next = index + 1 < bytes.count ? bytes[index + 1] : 0
            if next == UInt8(ascii: "?") || next == UInt8(ascii: "!") {
                if bytes[index...].starts(with: Array("<!--".utf8)) {
                    let tail = Array("-->".utf8)
                    var end = index + 4
                    while end + 3 <= bytes.count, !bytes[end..<end + 3].elementsEqual(tail) { end += 1 }
                    index = min(bytes.count, end + 3)
                } else {
                    index = close + 1
                }
                continue
            }
            if next == slash {
                depth -= 1
            } else if bytes[close - 1] != slash {
                depth += 1
                sawRoot = true
            } else {
                sawRoot = true
            }
            index = close + 1
            if sawRoot, depth <= 0 {
                // From the document's first markup: an XML declaration must come first.
                let first = bytes[start..<index].firstIndex(of: lt) ?? start
                documents.append(bytes[first..<index])
                start = index
                depth = 0
                sawRoot = false
            }
        }
        return (documents, bytes[start...])
    }
}
