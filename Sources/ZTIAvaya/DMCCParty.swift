/// A party in a CSTA event: a device, or one CSTA hides (`notKnown`, `restricted`).
public enum DMCCParty: Sendable, Equatable {
    case device(String)
    case notKnown
    case restricted

    /// Reads a party element (`callingDevice`, `alertingDevice`, …): its `deviceIdentifier`, `notKnown` or
    /// `restricted` child, or its own text (ConnectionID `deviceID`s carry the ID directly).
    init?(_ element: DMCCElement?) {
        guard let element else { return nil }
        if element.child("notKnown") != nil || element.child("notRequired") != nil
            || element.child("notSpecified") != nil
        {
            self = .notKnown
        } else if element.child("restricted") != nil {
            self = .restricted
        } else if let identifier = element.child("deviceIdentifier") ?? element.child("numberDialed")
            ?? element.child("deviceID") ?? element.child("staticID")
        {
            let id = identifier.trimmedText
            self = id.isEmpty ? .notKnown : .device(id)
        } else {
            let id = element.trimmedText
            guard !id.isEmpty else { return nil }
            self = .device(id)
        }
    }

    /// The number: the first colon-separated field of the device ID, without white space (devices are compared
    /// by it, since the rest of an ID varies between AES releases and events).
    public var number: String? {
        guard case .device(let id) = self else { return nil }
        let first = id[..<(id.utf8.firstIndex(of: 0x3A) ?? id.endIndex)]
        // The usual ID is ASCII without white space: its first field is the number as it stands.
        if first.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) { return first.isEmpty ? nil : String(first) }
        let number = first.filter { !$0.isWhitespace }
        return number.isEmpty ? nil : number
    }

    /// Whether this party is the extension `number`.
    public func isNumber(_ number: String) -> Bool {
        self.number?.lowercased() == number.lowercased()
    }
}
