import Foundation
import Glibc
import Testing
import ZTITestKit

/// `ztisup crm authorize` and `ztisup crm users` against the fake CRM playing a Zoho org.
@Suite(.serialized) struct CRMSetupCommandTests {
    static func conf(crm: WebhookDeliveryTests.CRM) throws -> String {
        let conf = try UploaderProcessTests.conf(
            """
            crm.zoho.client.id = 1000.CLIENT
            crm.zoho.accounts.url = http://127.0.0.1:\(crm.port)
            secret.crm-refresh-token.file = refresh
            secret.crm-client-secret.file = client

            """)
        try "client-secret-value\n".write(toFile: conf + "/client", atomically: true, encoding: .utf8)
        chmod(conf + "/client", 0o600)
        try String(contentsOfFile: conf + "/groups/sales.properties", encoding: .utf8)
            .replacingOccurrences(of: "user.a.crmuser = 1", with: "user.a.crmuser = 111")
            .write(toFile: conf + "/groups/sales.properties", atomically: true, encoding: .utf8)
        return conf
    }

    static func crm(_ arguments: [String] = []) throws -> WebhookDeliveryTests.CRM {
        try WebhookDeliveryTests.CRM(
            key: "unused",
            arguments: [
                "--zoho-client-id", "1000.CLIENT", "--zoho-client-secret", "client-secret-value",
                "--zoho-refresh-token", "1000.granted-refresh-token", "--zoho-grant-code", "1000.grant.code",
            ] + arguments)
    }

    @Test func withoutACodeItPrintsWhereToGrantAccess() throws {
        let crm = try Self.crm()
        let conf = try Self.conf(crm: crm)
        let result = try ZTISupProcess.run(["crm", "authorize", "--conf", conf])
        #expect(result.status == 0)
        #expect(
            result.stdout.contains(
                "http://127.0.0.1:\(crm.port)/oauth/v2/auth?scope=PhoneBridge.call.log%2CPhoneBridge.zohoone.search"
                    + "&client_id=1000.CLIENT&response_type=code&access_type=offline&prompt=consent"))
    }

    @Test func theGrantCodeBecomesARefreshTokenFileOfMode0600() throws {
        let crm = try Self.crm()
        let conf = try Self.conf(crm: crm)
        let result = try ZTISupProcess.run(["crm", "authorize", "--conf", conf, "--code", "1000.grant.code"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("refresh token written to \(conf)/refresh (mode 0600)"))
        #expect(try String(contentsOfFile: conf + "/refresh", encoding: .utf8) == "1000.granted-refresh-token\n")
        var info = stat()
        stat(conf + "/refresh", &info)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(!result.stdout.contains("1000.granted-refresh-token"))
        // A grant code works once.
        let again = try ZTISupProcess.run(["crm", "authorize", "--conf", conf, "--code", "1000.grant.code"])
        #expect(again.status == 77)
        #expect(again.stderr.contains("Zoho did not exchange the grant code (invalid_code)"))
        #expect(!again.stderr.contains("client-secret-value"))
    }

    @Test func usersAreListedWithTheMembersMappedToThem() throws {
        let crm = try Self.crm(["--zoho-user", "111,alice@example.com,Alice", "--zoho-user", "222,bob@example.com,Bob"])
        let conf = try Self.conf(crm: crm)
        try "1000.granted-refresh-token\n".write(toFile: conf + "/refresh", atomically: true, encoding: .utf8)
        chmod(conf + "/refresh", 0o600)
        let result = try ZTISupProcess.run(["crm", "users", "--conf", conf])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "111  alice@example.com  Alice  sales/user.a\n222  bob@example.com  Bob  -\n")
        let json = try ZTISupProcess.run(["crm", "users", "--conf", conf, "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(rows.first?["members"] as? [String] == ["sales/user.a"])
    }

    @Test func aMissingClientSecretFileSaysWhereToPutIt() throws {
        let crm = try Self.crm()
        let conf = try Self.conf(crm: crm)
        unlink(conf + "/client")
        let result = try ZTISupProcess.run(["crm", "authorize", "--conf", conf, "--code", "1000.grant.code"])
        #expect(result.status == 77)
        #expect(result.stderr.contains("crm-client-secret"))
    }
}
