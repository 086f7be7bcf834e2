import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import ZTICore
import ZTIPBXSim

/// `zti-pbxsim crm`: a fake CRM (webhook receiver) that records requests and injects faults.
struct CRMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crm",
        abstract: "A fake CRM on loopback: records every request and answers with the faults it is told.",
        discussion: """
            The first line on stdout says where it listens: "listening http HOST:PORT". Every request is \
            recorded (--record FILE, JSON lines) and answered 200 unless a fault says otherwise. With \
            --webhook-secret the X-ZTI-Signature of each request is checked and recorded. --control PATH takes \
            JSON-line commands: {"command":"status","status":500,"count":3,"retryAfter":1}, \
            {"command":"refuse","match":"missed","status":400}, {"command":"outage","seconds":5}, \
            {"command":"slow","ms":200}, {"command":"reset","count":2}, {"command":"heal"}.
            """
    )

    @Option(help: "HOST:PORT to listen on (port 0 picks a free port).")
    var listen: String = "127.0.0.1:0"

    @Option(help: "Append every request to this file as a JSON line.")
    var record: String?

    @Option(help: "The webhook HMAC key, to check X-ZTI-Signature.")
    var webhookSecret: String?

    @Option(help: "A Unix socket path for JSON-line fault commands.")
    var control: String?

    func validate() throws {
        guard ConfigValueParser.hostPort(listen) != nil else {
            throw ValidationError("--listen \(listen): expected HOST:PORT, e.g. 127.0.0.1:0")
        }
    }

    func run() async throws {
        let address = ConfigValueParser.hostPort(listen)!
        let crm = FakeCRM(webhookKey: webhookSecret, recordPath: record)
        let server = try await FakeCRMServer.bind(host: address.host, port: address.port, crm: crm)
        FileHandle.standardOutput.write(
            Data("listening http \(HostPort(host: address.host, port: server.port))\n".utf8))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            if let control {
                group.addTask {
                    try await JSONLineControl(path: control) { object in
                        switch object["command"] as? String {
                        case "status":
                            await crm.inject(
                                .status(
                                    object["status"] as? Int ?? 500, count: object["count"] as? Int ?? 1,
                                    retryAfter: object["retryAfter"] as? Int))
                        case "refuse":
                            guard let match = object["match"] as? String else { return "refuse needs \"match\"" }
                            await crm.inject(.refuse(match: match, status: object["status"] as? Int ?? 400))
                        case "outage": await crm.inject(.outage(seconds: object["seconds"] as? Double ?? 5))
                        case "slow": await crm.inject(.slow(milliseconds: object["ms"] as? Int ?? 200))
                        case "reset": await crm.inject(.reset(count: object["count"] as? Int ?? 1))
                        case "heal": await crm.heal()
                        default: return "unknown command; expected status, refuse, outage, slow, reset or heal"
                        }
                        return nil
                    }.run()
                }
            }
            try await group.next()
        }
    }
}
