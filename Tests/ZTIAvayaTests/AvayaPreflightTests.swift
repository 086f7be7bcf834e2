import Foundation
import Logging
import Testing
import ZTIAvaya
import ZTICore
import ZTIPBXSim
import ZTITestKit

/// `check-config --connect` for Avaya against the AES simulator over TLS on loopback: the link, the login, and
/// each extension's device and monitor, with the SDB and licence refusals named.
@Suite(.serialized, .timeLimit(.minutes(2))) struct AvayaPreflightTests {
    static func run(
        _ options: AESSimulatorOptions = AESSimulatorOptions(), password: String = "secret",
        extensions: [String] = ["3201", "3202", "3203"], tls: AESClientSettings.TLS? = AESClientTests.tls
    ) async throws -> ([PreflightCheck], AESSimulatorTests.Server) {
        let server = try await AESClientTests.server(options)
        let settings = AESClientSettings(
            host: "127.0.0.1", port: server.port, tls: tls, username: "ctiuser", password: password,
            switchName: "CM1", extensions: extensions, replyTimeout: .seconds(5))
        let checks = await AvayaPreflight.run(client: AESClient(settings: settings, logger: Logger(label: "test")))
        return (checks, server)
    }

    static func failures(_ checks: [PreflightCheck]) -> [String] {
        checks.filter { $0.outcome == .fail }.map(\.text)
    }

    @Test func theRightUserPassesAndLeavesNoMonitorBehind() async throws {
        let (checks, server) = try await Self.run()
        #expect(Self.failures(checks).isEmpty)
        #expect(checks.map(\.outcome) == [.pass, .pass, .pass])
        #expect(checks[0].text.hasPrefix("TLS to AES 127.0.0.1:\(server.port), certificate verified (CA and name)"))
        #expect(checks[1].text.hasPrefix("DMCC session as CTI user ctiuser: protocol priv"))
        #expect(checks[2].text.hasPrefix("extensions: all 3 known to CM and monitored"))
        #expect(await server.simulator.monitorCount == 0)
    }

    @Test func sdbUnknownAndLicenceRefusalsAreNamedPerExtension() async throws {
        var options = AESSimulatorOptions()
        options.permitted = ["3201", "3202"]
        options.licences = 0
        let (checks, _) = try await Self.run(options, extensions: ["3201", "3203", "4999"])
        let failures = Self.failures(checks)
        #expect(failures.count == 1)
        let text = failures.first ?? ""
        #expect(text.hasPrefix("extensions refused (3 of 3): "))
        #expect(text.contains("3201: no TSAPI licence left"))
        #expect(text.contains("3203: the CTI user has no SDB permission for it"))
        #expect(text.contains("4999: unknown to CM (check the extension)"))
    }

    @Test func aWrongPasswordIsTheOnlyLine() async throws {
        let (checks, _) = try await Self.run(password: "wrong")
        #expect(checks.count == 1)
        #expect(checks.first?.outcome == .fail)
        #expect(checks.first?.text.contains("AES refused the login of CTI user ctiuser") == true)
    }

    @Test func anUntrustedCertificateIsATLSFailureThatSaysWhatToCheck() async throws {
        let (checks, _) = try await Self.run(tls: AESClientSettings.TLS(caFile: nil, verify: true))
        #expect(checks.count == 1)
        #expect(checks.first?.outcome == .fail)
        #expect(checks.first?.text.contains("avaya.tls.cafile") == true)
    }
}
