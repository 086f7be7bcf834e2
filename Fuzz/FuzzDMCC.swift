// libFuzzer target: the DMCC framing, the XML document splitter and the DMCC XML decoding (Sources/ZTIAvaya).
// Beyond "no crash": a refused frame is a typed error repeated by every later call, the decoder never holds more
// than one frame's worth of bytes, and every frame either decodes to a message or to a typed error.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDMCC(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var decoder = DMCCFrameDecoder()
    // The first byte chooses how the bytes arrive.
    let chunk = Int(bytes.first ?? 0) * 61 + 1
    var offset = 0
    feeding: while offset < bytes.count {
        let end = min(bytes.count, offset + chunk)
        decoder.feed(bytes[offset..<end])
        offset = end
        while true {
            let frame: DMCCFrame?
            do {
                frame = try decoder.next()
            } catch {
                precondition((try? decoder.next()) == nil, "a refused stream went on")
                break feeding
            }
            guard let frame else { break }
            _ = try? DMCCMessage.decode(frame)
        }
        // Waiting for more: at most one frame's worth is held.
        precondition(decoder.bufferedCount <= DMCCFrame.maximumSize, "the decoder holds \(decoder.bufferedCount) bytes")
    }
    // The same bytes as bare XML documents one after another (what `ztisup replay --pbx avaya` reads).
    let (documents, rest) = DMCCDocumentSplitter.split(bytes)
    precondition(documents.map(\.count).reduce(rest.count, +) <= bytes.count, "the splitter invented bytes")
    for document in documents { _ = try? DMCCXMLParser.parse(Array(document)) }
    return 0
}
