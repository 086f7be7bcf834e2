/// A whole validated configuration: the global file and the groups, plus the warnings found on the way.
public struct Configuration: Sendable {
    /// `zti.properties`.
    public let global: GlobalConfig
    /// The groups, sorted by key.
    public let groups: [GroupConfig]
    /// Warnings (unknown keys, inline passwords, duplicate keys, ...); errors never reach a Configuration.
    public let warnings: [ConfigDiagnostic]

    /// Creates a configuration.
    public init(global: GlobalConfig, groups: [GroupConfig], warnings: [ConfigDiagnostic]) {
        self.global = global
        self.groups = groups
        self.warnings = warnings
    }

    /// The groups the umbrella supervisor runs: those in `groups.enabled` when it is set (the others are left to
    /// their per-group units), else all.
    public func limitedToEnabledGroups() -> Configuration {
        guard let enabled = global.groupsEnabled else { return self }
        return Configuration(global: global, groups: groups.filter { enabled.contains($0.key) }, warnings: warnings)
    }

    /// The group with key `key`, if configured.
    public func group(_ key: String) -> GroupConfig? {
        groups.first { $0.key == key }
    }
}
