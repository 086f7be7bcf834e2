import Testing
import ZTICore
import ZTISupervisor

struct StatusMergeTests {
    static func report(pid: Int, group: String?, groups: [(String, String)], uploader: String, queued: Int)
        -> JSONValue
    {
        var supervisor: [String: JSONValue] = ["pid": .number(Double(pid)), "summary": .string("s\(pid)")]
        supervisor["group"] = group.map(JSONValue.string)
        return .object([
            "supervisor": .object(supervisor),
            "groups": .array(
                groups.map { .object(["group": .string($0.0), "state": .string($0.1)]) }),
            "uploader": .object(["state": .string(uploader)]),
            "buffer": .object(["queued": .number(Double(queued)), "dropped": .number(0), "capacity": .number(10)]),
        ])
    }

    static func states(_ merged: JSONValue) -> [String: String] {
        guard case .object(let top) = merged, case .array(let groups)? = top["groups"] else { return [:] }
        var states: [String: String] = [:]
        for case .object(let group) in groups {
            if case .string(let key)? = group["group"], case .string(let state)? = group["state"] {
                states[key] = state
            }
        }
        return states
    }

    @Test func aGroupRunByItsOwnUnitWinsOverTheUmbrellasHeldElsewhereInEitherOrder() {
        let umbrella = Self.report(
            pid: 10, group: nil, groups: [("sales", "connected"), ("north", "held-elsewhere")], uploader: "connected",
            queued: 2)
        let unit = Self.report(pid: 11, group: "north", groups: [("north", "connecting")], uploader: "away", queued: 3)
        for reports in [[umbrella, unit], [unit, umbrella]] {
            let merged = StatusMerge.merge(reports, configuredGroups: ["north", "sales"])
            #expect(Self.states(merged) == ["sales": "connected", "north": "connecting"])
            guard case .object(let top) = merged else { return }
            #expect(top["buffer"] == .object(["queued": .number(5), "dropped": .number(0), "capacity": .number(20)]))
            #expect(top["uploader"] == .object(["state": .string("connected")]))
            if case .array(let supervisors)? = top["supervisors"] { #expect(supervisors.count == 2) }
            #expect(!StatusView(merged).allUp)
        }
    }

    @Test func aConfiguredGroupThatNobodyRunsIsListedAndMakesTheStatusDegraded() {
        let umbrella = Self.report(
            pid: 10, group: nil, groups: [("sales", "connected")], uploader: "connected", queued: 0)
        #expect(StatusMerge.merge([umbrella], configuredGroups: ["sales"]) == umbrella)
        #expect(StatusView(umbrella).allUp)
        let merged = StatusMerge.merge([umbrella], configuredGroups: ["sales", "billing"])
        #expect(Self.states(merged) == ["sales": "connected", "billing": StatusMerge.notRunning])
        #expect(!StatusView(merged).allUp)
        #expect(StatusView(merged).text.contains("billing  not-running"))
        #expect(StatusView(merged).text.contains("no supervisor runs this group"))
    }

    @Test func statusSaysHowTheFamilyWasTold() {
        func text(_ source: String) -> String {
            StatusView(
                .object([
                    "groups": .array([
                        .object([
                            "group": .string("sales"), "state": .string("connected"), "family": .string("11"),
                            "familySource": .string(source),
                        ])
                    ])
                ])
            ).text
        }
        #expect(text("events").contains("family 11 (inferred from events)"))
        #expect(text("assumed").contains("family 11 (assumed: nothing told it)"))
        #expect(text("banner").contains("family 11") && !text("banner").contains("family 11 ("))
    }
}
