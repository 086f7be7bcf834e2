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
            {"command":"slow","ms":200}, {"command":"reset","count":2}, {"command":"heal"}. With --zoho-client-id \
            it also plays a Zoho org: the token endpoint /oauth/v2/token and PhoneBridge v3 under /phonebridge/v3/, \
            with the live API's reported quirks (see FakeZoho); {"command":"expire"} makes every issued access \
            token answer 401, {"command":"zoho","acceptDocumented":true,"integrated":false} changes the org.
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

    @Option(help: "Play a Zoho org with this OAuth client id.")
    var zohoClientId: String?

    @Option(help: "The Zoho org's OAuth client secret.")
    var zohoClientSecret: String = "fake-client-secret"

    @Option(help: "The refresh token the Zoho org accepts.")
    var zohoRefreshToken: String = "1000.fake-refresh-token"

    @Option(help: "A grant code that the token endpoint exchanges once for the refresh token.")
    var zohoGrantCode: String?

    @Option(help: "A Zoho user, as ID,EMAIL,NAME (repeatable).")
    var zohoUser: [String] = []

    @Flag(
        help: "Accept missed and the dialled failure states, as documented (the live API was reported to refuse them).")
    var zohoAcceptDocumented = false

    @Flag(help: "Start with the integration active, as after integrate.")
    var zohoIntegrated = false

    @Option(help: "The lifetime of access tokens in seconds.")
    var zohoTokenLifetime: Int = 3600

    func validate() throws {
        guard ConfigValueParser.hostPort(listen) != nil else {
            throw ValidationError("--listen \(listen): expected HOST:PORT, e.g. 127.0.0.1:0")
        }
        for user in zohoUser where user.split(separator: ",", omittingEmptySubsequences: false).count != 3 {
            throw ValidationError("--zoho-user \(user): expected ID,EMAIL,NAME")
        }
        guard zohoTokenLifetime > 0 else {
            throw ValidationError("--zoho-token-lifetime \(zohoTokenLifetime): expected a positive number of seconds")
        }
    }

    var zohoOptions: FakeZoho.Options? {
        guard let zohoClientId else { return nil }
        return FakeZoho.Options(
            clientId: zohoClientId, clientSecret: zohoClientSecret, refreshToken: zohoRefreshToken,
            grantCode: zohoGrantCode,
            users: zohoUser.map { line in
                let parts = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                return (parts[0], parts[1], parts[2])
            }, acceptDocumented: zohoAcceptDocumented, tokenLifetime: zohoTokenLifetime)
    }

    func run() async throws {
        let address = ConfigValueParser.hostPort(listen)!
        let crm = FakeCRM(webhookKey: webhookSecret, recordPath: record, zoho: zohoOptions)
        if zohoIntegrated { await crm.setZohoIntegrated(true) }
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
                        case "expire": await crm.expireZohoTokens()
                        case "zoho":
                            if let accept = object["acceptDocumented"] as? Bool {
                                await crm.setZohoAcceptsDocumentedStates(accept)
                            }
                            if let integrated = object["integrated"] as? Bool {
                                await crm.setZohoIntegrated(integrated)
                            }
                        default:
                            return "unknown command; expected status, refuse, outage, slow, reset, heal, expire or zoho"
                        }
                        return nil
                    }.run()
                }
            }
            try await group.next()
        }
    }
}
