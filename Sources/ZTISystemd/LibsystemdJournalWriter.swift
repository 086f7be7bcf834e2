import CSystemd
import Glibc

/// Writes entries with `sd_journal_sendv` (the variadic `sd_journal_send` is unavailable from Swift), which
/// encodes values with newlines in the native protocol's binary form.
public struct LibsystemdJournalWriter: JournalWriter {
    /// Creates a writer.
    public init() {}

    public func write(_ fields: [(name: String, value: String)]) {
        var storage: [UInt8] = []
        var ranges: [Range<Int>] = []
        for field in fields {
            let start = storage.count
            storage.append(contentsOf: field.name.utf8)
            storage.append(UInt8(ascii: "="))
            storage.append(contentsOf: field.value.utf8)
            ranges.append(start..<storage.count)
        }
        storage.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var vectors = ranges.map { iovec(iov_base: base + $0.lowerBound, iov_len: $0.count) }
            _ = sd_journal_sendv(&vectors, Int32(vectors.count))
        }
    }
}
