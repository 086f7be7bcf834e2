/// The payload of an `EVENT` frame: the canonical call event, and beside it the resume key (the member's leg on
/// the PBX). Without a resume key the payload is the bare canonical event, as protocol version 1 sent it, so a
/// supervisor can talk to an uploader of that version; both forms decode.
struct EventEnvelope: Codable {
    let event: CallEvent
    let resumeKey: String?

    init(event: CallEvent, resumeKey: String?) {
        self.event = event
        self.resumeKey = resumeKey
    }

    private enum CodingKeys: String, CodingKey {
        case event, resumeKey
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if container.contains(.event) {
            event = try container.decode(CallEvent.self, forKey: .event)
            resumeKey = try container.decodeIfPresent(String.self, forKey: .resumeKey)
        } else {
            event = try CallEvent(from: decoder)
            resumeKey = nil
        }
    }
}
