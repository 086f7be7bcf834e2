// libFuzzer target: the AMI decoder (Sources/ZTIAsterisk/AMIDecoder.swift and the message types it builds).
// Beyond "no crash": whatever the bytes and however they are cut, the decoder keeps at most one message's worth of
// bytes (plus the chunk being fed), and no decoded header name or value holds a line break.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAMI(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let limits = AMIDecoder.Limits(maximumMessageBytes: 4096, maximumBodyBytes: 2048)
    var decoder = AMIDecoder(droppedEvents: ["VarSet"], droppedEventPrefixes: ["RTCP"], limits: limits)
    // The first byte chooses the chunk size, so that every split of the stream is tried.
    let chunk = max(1, Int(bytes.first ?? 1))
    // The second byte chooses the copying reader or the in-place view (which must agree with the copy it makes).
    let useView = (bytes.dropFirst().first ?? 0) & 1 == 1
    var offset = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset + chunk)
        decoder.feed(bytes[offset..<end])
        while let message = useView ? decoder.nextView(checkedCopy) : decoder.next() {
            for header in message.headers {
                precondition(!header.name.contains("\n") && !header.value.contains("\n"), "a header holds a line feed")
            }
        }
        precondition(
            decoder.bufferedByteCount <= limits.maximumMessageBytes + chunk + 2,
            "the decoder holds \(decoder.bufferedByteCount) bytes")
        offset = end
    }
    return 0
}

/// The view's lookups agree with the message it copies out.
private func checkedCopy(_ view: AMIMessageView) -> AMIMessage {
    let message = view.message
    precondition(view.headerCount == message.headerCount, "the view and its copy count different headers")
    // Names are looked up by their UTF-8 bytes: a name from a block read as ISO-8859-1 cannot be found by its text.
    for header in message.headers where header.name.utf8.allSatisfy({ $0 < 0x80 }) {
        precondition(view.contains(header.name) && view[header.name] == message[header.name], "a lookup disagrees")
    }
    return message
}
