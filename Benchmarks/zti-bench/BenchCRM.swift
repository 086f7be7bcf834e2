import Foundation
import Glibc
import ZTIPBXSim

/// The in-process fake CRM a whole-system run delivers to, and the all-in-one `zti.properties` that points the
/// uploader at its webhook (the key in a 0600 file beside it).
struct BenchCRM {
    let crm: FakeCRM
    let server: Task<Void, Error>

    /// Starts the fake CRM on a free loopback port and writes `directory/zti.properties` (plus `extra` lines).
    static func start(directory: String, key: String, extra: String = "") async throws -> BenchCRM {
        let crm = FakeCRM(webhookKey: key, recordPath: nil)
        let crmServer = try await FakeCRMServer.bind(host: "127.0.0.1", port: 0, crm: crm)
        try """
        crm.sink = webhook
        crm.webhook.url = http://127.0.0.1:\(crmServer.port)/events
        secret.crm-webhook-secret.file = hook
        uploader.spawn = true
        clicktodial.listen = 127.0.0.1:0
        runtime.dir = run
        state.dir = state
        startup.timeout = 10s

        """.appending(extra).write(toFile: directory + "/zti.properties", atomically: true, encoding: .utf8)
        try (key + "\n").write(toFile: directory + "/hook", atomically: true, encoding: .utf8)
        chmod(directory + "/hook", 0o600)
        return BenchCRM(crm: crm, server: Task { try await crmServer.run() })
    }
}
