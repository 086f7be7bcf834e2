import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import ZTICore
import ZTIUploader

/// `ztisup crm users`: the Zoho users of the org, with the group members already mapped to them.
struct CRMUsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "List Zoho user ids, e-mails and names, for user.X.crmuser.",
        discussion: """
            Uses the refresh token and client secret as the uploader does. The last column names the group \
            members (group/user.X) whose crmuser is that id.
            """)

    @OptionGroup var conf: ConfOption

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let configuration = try conf.load()
        let global = configuration.global
        guard let clientId = global.zohoClientId else {
            printError("error: \(global.file): crm.zoho.client.id is not set")
            throw ExitCode(78)
        }
        let users: [ZohoUserDirectory.User]
        do {
            let secrets = try SecretStore(
                global: global, needed: [.crmRefreshToken, .crmClientSecret],
                credentialsDirectory: ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"],
                only: [.crmRefreshToken, .crmClientSecret])
            let logger = Logger(label: "ztisup.crm")
            let tokens = ZohoTokenSource(
                accountsURL: global.zohoAccountsURL, clientId: clientId,
                clientSecret: secrets.value(.crmClientSecret) ?? "",
                refreshToken: secrets.value(.crmRefreshToken) ?? "",
                limiter: RefreshLimiter(limit: global.zohoRefreshLimit, window: global.zohoRefreshWindow),
                client: HTTPClient.shared, logger: logger)
            users = try await ZohoUserDirectory.all(
                api: PhoneBridgeClient(
                    tokens: tokens, client: HTTPClient.shared, scheme: global.zohoAuthScheme, logger: logger))
        } catch {
            printError("error: " + error.message)
            throw ExitCode(error.code == .crmUnavailable ? 69 : 77)
        }
        var members: [String: [String]] = [:]
        for group in configuration.groups {
            for user in group.users { members[user.crmUser, default: []].append("\(group.key)/user.\(user.key)") }
        }
        if json {
            let rows = users.map { user -> [String: Any] in
                [
                    "zohouser": user.zohouser, "email": user.email, "username": user.username,
                    "members": members[user.zohouser] ?? [],
                ]
            }
            let data = try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for user in users {
            let mapped = members[user.zohouser]?.joined(separator: ",") ?? "-"
            print("\(user.zohouser)  \(user.email)  \(user.username)  \(mapped)")
        }
    }
}
