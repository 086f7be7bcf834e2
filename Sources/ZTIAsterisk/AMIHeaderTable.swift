import Glibc

/// The lookups of a located header block: its bytes and where each name and value lies in them. Shared by
/// ``AMIMessage`` (over its own copy) and ``AMIMessageView`` (over the decoder's buffer); valid only as long as the
/// memory it points into.
struct AMIHeaderTable {
    let bytes: UnsafeBufferPointer<UInt8>
    let fields: UnsafeBufferPointer<AMIMessage.Field>
    let isUTF8: Bool

    func name(_ field: AMIMessage.Field) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[Int(field.nameStart)..<Int(field.nameEnd)])
    }

    func value(_ field: AMIMessage.Field) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[Int(field.valueStart)..<Int(field.valueEnd)])
    }

    /// UTF-8, or ISO-8859-1 for a block that is not valid UTF-8, so that no byte is lost.
    func text(_ slice: UnsafeBufferPointer<UInt8>) -> String {
        if isUTF8 { return String(decoding: slice, as: UTF8.self) }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: slice.lazy.map { Unicode.Scalar($0) })
        return String(view)
    }

    /// The index of the first field named `name`, compared ASCII case-insensitively.
    func firstIndex(_ name: String) -> Int? {
        var name = name
        return name.withUTF8 { key in
            for index in 0..<fields.count where AMIHeader.equalsIgnoringASCIICase(self.name(fields[index]), key) {
                return index
            }
            return nil
        }
    }

    func firstValue(_ name: String) -> String? {
        firstIndex(name).map { text(value(fields[$0])) }
    }

    func values(_ name: String) -> [String] {
        var name = name
        return name.withUTF8 { key in
            fields.filter { AMIHeader.equalsIgnoringASCIICase(self.name($0), key) }.map { text(value($0)) }
        }
    }

    /// The first value of each of `keys` (ASCII bytes, compared case-insensitively after `prefix`, which is compared
    /// exactly), in one pass over the headers.
    func firstValues(_ keys: [[UInt8]], prefix: String) -> [String?] {
        var found = [String?](repeating: nil, count: keys.count)
        var prefix = prefix
        prefix.withUTF8 { prefixBytes in
            for field in fields {
                let whole = name(field)
                guard whole.count > prefixBytes.count,
                    prefixBytes.isEmpty
                        || memcmp(whole.baseAddress!, prefixBytes.baseAddress!, prefixBytes.count) == 0
                else { continue }
                let rest = UnsafeBufferPointer(rebasing: whole[prefixBytes.count...])
                // Lengths first: most header names match no key, and most keys differ in length.
                for index in keys.indices where keys[index].count == rest.count && found[index] == nil {
                    if keys[index].withUnsafeBufferPointer({ AMIHeader.equalsIgnoringASCIICase(rest, $0) }) {
                        found[index] = text(value(field))
                        break
                    }
                }
            }
        }
        return found
    }
}
