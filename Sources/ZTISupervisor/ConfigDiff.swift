import ZTICore

/// What a reload changes, as a pure value over the group configurations before and after: the groups added,
/// removed and changed (any key of the group file, compared in canonical form); the others keep running.
public struct ConfigDiff: Sendable, Equatable {
    public let added: [String]
    public let removed: [String]
    public let changed: [String]

    public init(before: [GroupConfig], after: [GroupConfig]) {
        let old = Dictionary(before.map { ($0.key, $0) }) { first, _ in first }
        let new = Dictionary(after.map { ($0.key, $0) }) { first, _ in first }
        removed = old.keys.filter { new[$0] == nil }.sorted()
        added = new.keys.filter { old[$0] == nil }.sorted()
        changed = new.keys.filter { key in
            guard let was = old[key], let now = new[key] else { return false }
            return CanonicalJSON.data(was) != CanonicalJSON.data(now)
        }.sorted()
    }

    /// The groups that stay as they were.
    public func unchanged(after: [GroupConfig]) -> [String] {
        after.map(\.key).filter { !added.contains($0) && !changed.contains($0) }.sorted()
    }
}
