import Foundation
import Testing
import ZTICore

@testable import ZTIUploader

/// Secrets: where they come from, and which files are refused.
@Suite struct SecretStoreTests {
    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zti-secret-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func global(_ conf: String, _ text: String) throws -> GlobalConfig {
        try FileManager.default.createDirectory(atPath: conf + "/groups", withIntermediateDirectories: true)
        try text.write(toFile: conf + "/zti.properties", atomically: true, encoding: .utf8)
        try "pbx.type = asterisk\npbx.host = h\npbx.username = u\npbx.password = p\n".write(
            toFile: conf + "/groups/g.properties", atomically: true, encoding: .utf8)
        return try ConfigurationLoader.load(confDir: conf).global
    }

    @Test func aFileReadableByOthersIsRefusedWithTheFix() throws {
        let conf = try Self.directory()
        try "tok-123\n".write(toFile: conf + "/token", atomically: true, encoding: .utf8)
        chmod(conf + "/token", 0o644)
        let global = try Self.global(conf, "secret.crm-refresh-token.file = token\n")
        do {
            _ = try SecretStore(global: global, needed: [], credentialsDirectory: nil)
            Issue.record("a 0644 secret file was accepted")
        } catch {
            #expect(error.code == .secretRefused)
            #expect(
                error.message
                    == "secret.crm-refresh-token.file = \(conf)/token is readable by others (mode 644); run: chmod 600 \(conf)/token"
            )
            #expect(!error.message.contains("tok-123"))
        }
    }

    @Test func aPrivateFileIsRead() throws {
        let conf = try Self.directory()
        try "tok-456\n".write(toFile: conf + "/token", atomically: true, encoding: .utf8)
        chmod(conf + "/token", 0o600)
        let store = try SecretStore(
            global: try Self.global(conf, "secret.crm-refresh-token.file = token\n"), needed: [.crmRefreshToken],
            credentialsDirectory: nil)
        #expect(store.value(.crmRefreshToken) == "tok-456")
        #expect(store.sources[.crmRefreshToken] == "file \(conf)/token")
    }

    @Test func systemdCredentialsComeFirstAndAreNotModeChecked() throws {
        let conf = try Self.directory()
        let credentials = try Self.directory()
        try "from-systemd".write(toFile: credentials + "/crm-refresh-token", atomically: true, encoding: .utf8)
        chmod(credentials + "/crm-refresh-token", 0o644)
        let store = try SecretStore(
            global: try Self.global(conf, ""), needed: [.crmRefreshToken], credentialsDirectory: credentials)
        #expect(store.value(.crmRefreshToken) == "from-systemd")
    }

    @Test func aNeededSecretThatIsNowhereSaysWhereToPutIt() throws {
        let conf = try Self.directory()
        #expect(throws: ZTIUploaderError.self) {
            try SecretStore(global: try Self.global(conf, ""), needed: [.crmWebhookSecret], credentialsDirectory: nil)
        }
    }
}
