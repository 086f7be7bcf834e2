/// Byte checks the decoders share on their hot paths. Also compiled into the AMI and DMCC fuzz targets, which build
/// their codec files without the rest of the module.
public enum ASCIIBytes {
    /// True when every byte is below 0x80 (so the bytes are valid UTF-8 as they are), read eight at a time.
    public static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var index = 0
        var seen: UInt64 = 0
        while index + 8 <= bytes.count {
            seen |= raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < bytes.count {
            seen |= UInt64(bytes[index])
            index += 1
        }
        return seen & 0x8080_8080_8080_8080 == 0
    }
}
