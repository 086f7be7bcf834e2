/// One DMCC XML message: the 8-byte header (a 16-bit version of 0, the 16-bit big-endian length of the whole frame
/// with the header included, 4 ASCII digits of invoke ID) and one UTF-8 XML document.
public struct DMCCFrame: Sendable, Equatable {
    /// The header's size, counted in the length field.
    public static let headerSize = 8
    /// The largest frame the 16-bit length field can describe.
    public static let maximumSize = 65_535
    /// The invoke ID of unsolicited events; requests use 0…9998.
    public static let eventInvokeID = 9_999

    /// The invoke ID: a request's, echoed in its response, or 9999 on an event.
    public let invokeID: Int
    /// The XML document, as UTF-8 bytes.
    public let xml: [UInt8]
    /// The header's version field: 0 from AES (readers in the wild ignore it).
    public let version: UInt16

    /// A frame carrying `xml`.
    public init(invokeID: Int, xml: [UInt8], version: UInt16 = 0) {
        self.invokeID = invokeID
        self.xml = xml
        self.version = version
    }

    /// A frame carrying the document `xml`.
    public init(invokeID: Int, xml: String) {
        self.init(invokeID: invokeID, xml: Array(xml.utf8))
    }

    /// Whether this is an unsolicited event (invoke ID 9999).
    public var isEvent: Bool { invokeID == Self.eventInvokeID }

    /// The document as text.
    public var text: String { String(decoding: xml, as: UTF8.self) }

    /// The frame's bytes. The length is counted in UTF-8 bytes, never in characters.
    ///
    /// - Throws: ``ZTIAvayaError`` when the invoke ID is outside 0…9999 or the frame would exceed 65,535 bytes.
    public func encoded() throws(ZTIAvayaError) -> [UInt8] {
        guard (0...Self.eventInvokeID).contains(invokeID) else {
            throw ZTIAvayaError(.invokeIDInvalid, "DMCC invoke ID \(invokeID) is outside 0...9999")
        }
        let total = xml.count + Self.headerSize
        guard total <= Self.maximumSize else {
            throw ZTIAvayaError(
                .frameTooLarge,
                "a DMCC message of \(xml.count) bytes does not fit a frame (at most \(Self.maximumSize - Self.headerSize))"
            )
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(total)
        bytes += [UInt8(version >> 8), UInt8(version & 0xFF), UInt8(total >> 8), UInt8(total & 0xFF)]
        var digits = invokeID
        var id = [UInt8](repeating: UInt8(ascii: "0"), count: 4)
        for index in stride(from: 3, through: 0, by: -1) {
            id[index] = UInt8(ascii: "0") + UInt8(digits % 10)
            digits /= 10
        }
        bytes += id
        bytes += xml
        return bytes
    }
}
