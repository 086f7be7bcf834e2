/// The `ACK` payload written and read by hand, as `CallEventJSON` does for events: every event is acked on two
/// hops, and Foundation's coders cost more than the rest of the ack. The bytes are Foundation's canonical form
/// (`{"group":…,"ids":[…]}`, keys sorted, an absent group left out); the reader accepts what `JSONDecoder` would.
public enum AckJSON {
    /// The canonical bytes of `ack`.
    public static func bytes(_ ack: Ack) -> [UInt8] {
        var capacity = 16 + (ack.group?.utf8.count ?? 0)
        for id in ack.ids { capacity += id.utf8.count + 3 }
        var output: [UInt8] = []
        output.reserveCapacity(capacity)
        var object = JSONText.ObjectWriter(output: output)
        object.field("group", ack.group)
        object.field("ids", ack.ids)
        return object.finish()
    }

    /// Reads an ack: an object with `ids` (strings) and an optional `group`; other keys are skipped.
    public static func decode(_ bytes: some Collection<UInt8>) throws(ZTICoreError) -> Ack {
        try JSONReader.whole(bytes) { reader throws(ZTICoreError) in
            var ids: [String]?
            var group: String?
            var object = try reader.beginObject()
            while let key = try reader.nextKey(&object) {
                if JSONReader.equals(key, "ids") {
                    ids = try reader.readStringArray(key)
                } else if JSONReader.equals(key, "group") {
                    group = try reader.readOptionalString(key)
                } else {
                    try reader.skipValue()
                }
            }
            guard let ids else { throw JSONReader.invalid("ids is missing") }
            return Ack(ids: ids, group: group)
        }
    }
}
