// libFuzzer target: the uploader's event-frame decoding (what a supervisor's connection sends the uploader:
// HELLO, EVENT, DIAL_RESULT, …; Sources/ZTICore). Beyond "no crash": every event decoded has a canonical form that
// decodes to the same event, and its id is made of its own fields.

func fuzzEvents(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var decoder = FrameDecoder(receiver: .uploader, sender: .supervisor)
    decoder.feed(bytes)
    while let (frame, _) = try? decoder.nextWithPayload() {
        guard case .event(let event, _) = frame else { continue }
        let canonical = event.canonicalJSON()
        let decoded = try? CanonicalJSON.decode(CallEvent.self, from: Array(canonical.utf8))
        precondition(decoded?.canonicalJSON() == canonical, "an event does not survive its canonical form")
        precondition(event.id.hasPrefix(event.group + "/"), "an event id that is not its own")
    }
    return 0
}
