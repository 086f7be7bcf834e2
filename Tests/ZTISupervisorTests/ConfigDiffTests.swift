import Foundation
import Testing
import ZTICore

@testable import ZTISupervisor

@Suite struct ConfigDiffTests {
    static let conf = FileManager.default.temporaryDirectory.appendingPathComponent("zti-diff-\(UUID())").path

    /// The groups of the configuration directory, rewritten to hold `groups` (key → PBX port), as a reload reads
    /// it.
    static func groups(_ groups: [String: Int]) throws -> [GroupConfig] {
        try? FileManager.default.removeItem(atPath: conf)
        try FileManager.default.createDirectory(atPath: conf + "/groups", withIntermediateDirectories: true)
        try "crm.sink = none\n".write(toFile: conf + "/zti.properties", atomically: true, encoding: .utf8)
        for (key, port) in groups {
            let text = """
                pbx.type = asterisk
                pbx.host = 127.0.0.1
                pbx.port = \(port)
                pbx.username = zti
                pbx.password = secret
                user.alice.crmuser = 1
                user.alice.extension = 101

                """
            try text.write(toFile: conf + "/groups/\(key).properties", atomically: true, encoding: .utf8)
        }
        return try ConfigurationLoader.load(confDir: conf).groups
    }

    @Test func addedRemovedAndChangedGroupsAreToldApartAndTheRestKeepsRunning() throws {
        let before = try Self.groups(["sales": 5038, "north": 5038, "south": 5038])
        let after = try Self.groups(["sales": 5038, "north": 5039, "east": 5038])
        let diff = ConfigDiff(before: before, after: after)
        #expect(diff.added == ["east"])
        #expect(diff.removed == ["south"])
        #expect(diff.changed == ["north"])
        #expect(diff.unchanged(after: after) == ["sales"])
        let same = ConfigDiff(before: before, after: try Self.groups(["sales": 5038, "north": 5038, "south": 5038]))
        #expect(same.added.isEmpty && same.removed.isEmpty && same.changed.isEmpty)
    }
}
