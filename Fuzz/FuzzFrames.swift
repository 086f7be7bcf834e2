// libFuzzer target: the frame decoder between the processes (Sources/ZTICore), with each role's allow-table.
// Beyond "no crash": a refused input is a typed error that every later call repeats; the decoder never holds more
// than one frame's worth of bytes; and every frame decoded re-encodes to bytes that decode to the same frame.

func fuzzFrames(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 2 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 2, count: size - 2))
    // The first byte chooses who talks to whom, the second how the bytes arrive.
    let pairs: [(PeerRole, PeerRole)] = PeerRole.allCases.flatMap { a in PeerRole.allCases.map { b in (a, b) } }
    let (receiver, sender) = pairs[Int(data[0]) % pairs.count]
    let chunk = Int(data[1]) * 97 + 1
    var decoder = FrameDecoder(receiver: receiver, sender: sender)
    var offset = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset + chunk)
        decoder.feed(bytes[offset..<end])
        offset = end
        while true {
            let frame: Frame?
            do {
                frame = try decoder.next()
            } catch {
                // Refused: the same error again, never a frame after it.
                do {
                    _ = try decoder.next()
                    preconditionFailure("a refused stream went on")
                } catch let again {
                    precondition(again.code == error.code, "a different error the second time")
                }
                return 0
            }
            guard let frame else { break }
            guard let encoded = try? FrameEncoder.encode(frame) else { continue }
            var again = FrameDecoder(receiver: receiver, sender: sender)
            again.feed(encoded)
            let decoded = try? again.next()
            precondition(decoded.map { FrameEncoder.encodedEqual($0, frame) } == true, "re-encoding changed the frame")
        }
        // Waiting for more: at most one frame's worth is held.
        precondition(
            decoder.bufferedByteCount <= WireProtocol.maximumFrameLength + 4,
            "the decoder holds \(decoder.bufferedByteCount) bytes")
    }
    return 0
}

extension FrameEncoder {
    /// Two frames are the same when they encode to the same bytes.
    static func encodedEqual(_ one: Frame, _ two: Frame) -> Bool {
        (try? encode(one)) == (try? encode(two))
    }
}
