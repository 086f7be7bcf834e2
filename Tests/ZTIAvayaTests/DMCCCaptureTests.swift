import Testing
import ZTIAvaya

/// A DMCC capture's redaction: the password's content goes, the frame's length follows.
struct DMCCCaptureTests {
    @Test func thePasswordOfAStartApplicationSessionIsRedactedAndTheLengthFixed() throws {
        let xml =
            #"<StartApplicationSession><applicationInfo><ns1:userName>cti</ns1:userName>"#
            + #"<ns1:password>Very$ecret1</ns1:password></applicationInfo></StartApplicationSession>"#
        let frame = try DMCCFrame(invokeID: 1, xml: xml).encoded()
        let redacted = DMCCCaptureDialect.redact(frame: frame)
        let text = String(decoding: redacted.dropFirst(DMCCFrame.headerSize), as: UTF8.self)
        #expect(text.contains("<ns1:password>[redacted]</ns1:password>"))
        #expect(!text.contains("Very$ecret1"))
        #expect(text.contains("<ns1:userName>cti</ns1:userName>"))
        #expect(Int(redacted[2]) << 8 | Int(redacted[3]) == redacted.count)
        #expect(Array(redacted[4..<8]) == Array("0001".utf8))
    }

    @Test func aFrameWithoutAPasswordIsUnchanged() throws {
        let frame = try DMCCFrame(invokeID: 9999, xml: #"<DeliveredEvent><passwords>2</passwords></DeliveredEvent>"#)
            .encoded()
        #expect(DMCCCaptureDialect.redact(frame: frame) == frame)
    }

    @Test func anUnqualifiedPasswordIsRedactedToo() throws {
        let frame = try DMCCFrame(invokeID: 3, xml: #"<a><password xmlns="">p</password></a>"#).encoded()
        let text = String(decoding: DMCCCaptureDialect.redact(frame: frame).dropFirst(8), as: UTF8.self)
        #expect(text == #"<a><password xmlns="">[redacted]</password></a>"#)
    }
}
