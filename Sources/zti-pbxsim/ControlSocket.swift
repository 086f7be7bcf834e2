import Foundation
import ZTIPBXSim

/// The AMI simulator's control socket (a ``JSONLineControl``): play a scenario, set Originate outcomes, inject faults.
struct ControlSocket {
    let path: String
    let simulator: AMISimulator

    func run() async throws {
        try await JSONLineControl(path: path) { object in await execute(object) }.run()
    }

    /// Runs one command; returns the error text, or nil when it was done.
    private func execute(_ object: [String: Any]) async -> String? {
        guard let command = object["command"] as? String else { return #"expected a "command""# }
        switch command {
        case "play":
            guard let file = object["file"] as? String, let data = FileManager.default.contents(atPath: file) else {
                return #"play needs a readable "file""#
            }
            Task { await simulator.play(Array(data)) }
        case "originate":
            let member = (object["member"] as? String).flatMap(AMISimulator.OriginateOutcome.Party.init(rawValue:))
            let customer = (object["customer"] as? String).flatMap(AMISimulator.OriginateOutcome.Party.init(rawValue:))
            guard let member, let customer else {
                return #"originate needs "member" and "customer": answer, noanswer or busy"#
            }
            await simulator.setOriginateOutcome(.init(member: member, customer: customer))
        case "drop": await simulator.drop()
        case "garbage": await simulator.garbage()
        case "restart": await simulator.restart()
        case "stall":
            let seconds = (object["seconds"] as? Double) ?? 5
            await simulator.stall(for: .milliseconds(Int64(seconds * 1000)))
        default:
            return "unknown command; expected play, originate, drop, stall, garbage or restart"
        }
        return nil
    }
}
