import Testing
import ZTIAvaya
import ZTITestKit

struct DMCCFrameTests {
    /// A 415-byte document, the size of the reference's header example.
    static let document415: String = {
        let head =
            #"<?xml version="1.0" encoding="UTF-8"?><MonitorStart xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><monitorObject><deviceObject typeOfNumber="other" mediaClass="notKnown">"#
        let tail = "</deviceObject></monitorObject></MonitorStart>"
        return head + String(repeating: "1", count: 415 - head.utf8.count - tail.utf8.count) + tail
    }()

    static let delivered =
        #"<?xml version="1.0" encoding="UTF-8"?><DeliveredEvent xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><monitorCrossRefID>1</monitorCrossRefID><callingDevice><deviceIdentifier>Zoë Müller 中村</deviceIdentifier></callingDevice></DeliveredEvent>"#

    @Test func theHeaderMatchesTheReferenceVector() throws {
        #expect(Self.document415.utf8.count == 415)
        let bytes = try DMCCFrame(invokeID: 1, xml: Self.document415).encoded()
        #expect(bytes.count == 423)
        #expect(Array(bytes.prefix(8)) == [0x00, 0x00, 0x01, 0xA7, 0x30, 0x30, 0x30, 0x31])
        #expect(Array(bytes.dropFirst(8)) == Array(Self.document415.utf8))
        let event = try DMCCFrame(invokeID: DMCCFrame.eventInvokeID, xml: "<a/>").encoded()
        #expect(Array(event.prefix(8)) == [0, 0, 0, 12] + Array("9999".utf8))
    }

    @Test func theLengthCountsUTF8BytesNotCharacters() throws {
        #expect(Self.delivered.utf8.count > Self.delivered.count)
        let bytes = try DMCCFrame(invokeID: 42, xml: Self.delivered).encoded()
        let length = Int(bytes[2]) << 8 | Int(bytes[3])
        #expect(length == Self.delivered.utf8.count + 8)
        #expect(Array(bytes[4..<8]) == Array("0042".utf8))
        var decoder = DMCCFrameDecoder()
        decoder.feed(bytes)
        let frame = try #require(try decoder.next())
        #expect(frame.text == Self.delivered)
        #expect(frame.invokeID == 42)
        #expect(!frame.isEvent)
    }

    /// Three frames back to back, cut once at every offset, and also fed one byte at a time.
    @Test func everyFrameSplitAtEveryOffsetDecodesTheSame() throws {
        let frames = [
            DMCCFrame(invokeID: 1, xml: Self.document415), DMCCFrame(invokeID: 9999, xml: Self.delivered),
            DMCCFrame(invokeID: 0, xml: ""),
        ]
        let stream = try frames.flatMap { try $0.encoded() }
        for cut in 0...stream.count {
            var decoder = DMCCFrameDecoder()
            var got: [DMCCFrame] = []
            for part in [stream[..<cut], stream[cut...]] {
                decoder.feed(part)
                while let frame = try decoder.next() { got.append(frame) }
            }
            #expect(got == frames, "cut at \(cut)")
            #expect(decoder.bufferedCount == 0)
        }
        var decoder = DMCCFrameDecoder()
        var got: [DMCCFrame] = []
        for byte in stream {
            decoder.feed([byte])
            while let frame = try decoder.next() { got.append(frame) }
        }
        #expect(got == frames)
    }

    @Test func aLengthShorterThanTheHeaderIsMalformedAndFinal() throws {
        var decoder = DMCCFrameDecoder()
        decoder.feed([0, 0, 0, 7] + Array("0001".utf8) + Array("<a/>".utf8))
        #expect(throws: ZTIAvayaError.self) { try decoder.next() }
        do {
            _ = try decoder.next()
            Issue.record("a failed decoder returned a frame")
        } catch {
            #expect(error.code == .frameMalformed)
            #expect(error.message.contains("frame length of 7"))
        }
        // No resync: even a good frame after the garbage is not decoded.
        decoder.feed(try DMCCFrame(invokeID: 1, xml: "<a/>").encoded())
        #expect(throws: ZTIAvayaError.self) { try decoder.next() }
    }

    @Test func anInvokeIDThatIsNotFourDigitsIsMalformed() throws {
        var decoder = DMCCFrameDecoder()
        decoder.feed([0, 0, 0, 12] + Array("00a1".utf8) + Array("<a/>".utf8))
        do {
            _ = try decoder.next()
            Issue.record("accepted a non-digit invoke ID")
        } catch {
            #expect(error.code == .frameMalformed)
            #expect(error.message.contains("30 30 61 31"))
        }
    }

    @Test func aFrameOverTheMaximumIsRefusedBeforeItsBodyArrives() throws {
        var decoder = DMCCFrameDecoder(maximumSize: 1_000)
        decoder.feed([0, 0, 0x03, 0xE9] + Array("0001".utf8))
        do {
            _ = try decoder.next()
            Issue.record("accepted a 1,001-byte frame")
        } catch {
            #expect(error.code == .frameTooLarge)
        }
        let large = String(repeating: "x", count: DMCCFrame.maximumSize - 8 + 1)
        do {
            _ = try DMCCFrame(invokeID: 1, xml: large).encoded()
            Issue.record("encoded a frame over 65,535 bytes")
        } catch {
            #expect(error.code == .frameTooLarge)
        }
        #expect(try DMCCFrame(invokeID: 1, xml: String(large.dropFirst())).encoded().count == DMCCFrame.maximumSize)
        for id in [-1, 10_000] {
            #expect(throws: ZTIAvayaError.self) { try DMCCFrame(invokeID: id, xml: "<a/>").encoded() }
        }
    }

    /// Random bytes never crash the decoder: it returns frames, waits, or throws a typed error.
    @Test func garbageGivesTypedErrorsNeverACrash() {
        var random = SplitMix64(seed: 0xD3CC)
        var failures = 0
        var frames = 0
        for _ in 0..<2_000 {
            var decoder = DMCCFrameDecoder(maximumSize: 4_096)
            let count = Int(random.next() % 64)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            decoder.feed(bytes)
            do {
                while try decoder.next() != nil { frames += 1 }
            } catch {
                failures += 1
                #expect([.frameMalformed, .frameTooLarge].contains(error.code))
            }
        }
        #expect(failures > 1_000)
    }
}
