/// An Asterisk channel name taken apart: `PJSIP/201-00000005` is technology `PJSIP`, endpoint `201`.
///
/// Endpoints may contain `-` (`SIP/9170-12-0000003c`), so only the last `-suffix` is dropped. Local channels
/// (`Local/201@from-internal-0000002a;1`, `,1` in 1.4) and the other plumbing technologies are never endpoints.
/// `<MASQ>` and `<ZOMBIE>` marks of renamed channels are ignored.
public struct ChannelName: Sendable, Equatable {
    /// The technologies that carry no party: Local halves, agents, parking, bridges, announcements.
    public static let plumbingTechnologies: Set<String> = [
        "local", "agent", "parked", "message", "bridge", "announcer", "cbann", "recorder", "snoop", "multicastrtp",
        "unicastrtp", "audiosocket",
    ]

    /// The full name as Asterisk wrote it.
    public let name: String
    /// `SIP`, `PJSIP`, `IAX2`, `DAHDI`, `Local`, …
    public let technology: String
    /// The endpoint (peer) name, e.g. `201`, `alice`, `carrier`.
    public let endpoint: String

    /// Parses `name`.
    public init(_ name: String) {
        self.name = name
        var base = Substring(name)
        for mark in ["<MASQ>", "<ZOMBIE>"] where base.hasSuffix(mark) { base = base.dropLast(mark.count) }
        guard let slash = base.firstIndex(of: "/") else {
            technology = ""
            endpoint = String(base)
            return
        }
        technology = String(base[..<slash])
        var rest = base[base.index(after: slash)...]
        if let dash = rest.lastIndex(of: "-") { rest = rest[..<dash] }
        endpoint = String(rest)
    }

    /// True for Local channels and the other technologies that never stand for a party.
    public var isPlumbing: Bool {
        Self.plumbingTechnologies.contains(technology.lowercased())
    }

    /// The `;2` half of a Local channel (`,2` on 1.4): the one that runs the Local channel's dialplan.
    public var isLocalDialplanHalf: Bool {
        technology.lowercased() == "local" && (name.hasSuffix(";2") || name.hasSuffix(",2"))
    }

    /// `TECH/endpoint`, the form `user.X.device` uses.
    public var device: String { "\(technology)/\(endpoint)" }
}
