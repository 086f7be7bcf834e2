import ArgumentParser
import AsyncHTTPClient
import Foundation
import ZTICore
import ZTIUploader

/// `ztisup crm authorize`: prints where to grant access, then exchanges the grant code for the refresh token file.
struct CRMAuthorizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorize",
        abstract: "Exchange a Zoho grant code for the refresh token file (mode 0600).",
        discussion: """
            Without --code it prints the Zoho page where an org administrator grants ztisup access (scopes \
            \(ZohoAuthorization.scopes)). The redirect brings back code=… and accounts-server=…; run this again \
            within a minute with --code and, outside the US data centre, --accounts-server. The refresh token is \
            written to --out, else to the file named by secret.crm-refresh-token.file. It needs crm.zoho.client.id \
            and the crm-client-secret file.
            """)

    @OptionGroup var conf: ConfOption

    @Option(help: "The grant code from Zoho's redirect.")
    var code: String?

    @Option(help: "The accounts server from Zoho's redirect (default: crm.zoho.accounts.url).")
    var accountsServer: String?

    @Option(help: "The redirect URI registered with the client in Zoho's API console, if any.")
    var redirectUri: String?

    @Option(help: "Where to write the refresh token (default: secret.crm-refresh-token.file).")
    var out: String?

    func run() async throws {
        let global = try conf.load().global
        guard let clientId = global.zohoClientId else {
            printError(
                "error: \(global.file): crm.zoho.client.id is not set: give the client id of ztisup in Zoho's API console"
            )
            throw ExitCode(78)
        }
        let accounts = accountsServer ?? global.zohoAccountsURL
        guard let code else {
            print("Open this page as a Zoho administrator of the org and grant access:")
            print(ZohoAuthorization.authorizeURL(accountsURL: accounts, clientId: clientId, redirectURI: redirectUri))
            print("Then run, within a minute: ztisup crm authorize --code CODE --accounts-server ACCOUNTS-SERVER")
            return
        }
        guard let target = out ?? global.secretFiles[.crmRefreshToken] else {
            printError(
                "error: nowhere to write the refresh token: set secret.crm-refresh-token.file in \(global.file) or give --out"
            )
            throw ExitCode(78)
        }
        do {
            let secrets = try SecretStore(
                global: global, needed: [.crmClientSecret],
                credentialsDirectory: ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"],
                only: [.crmClientSecret])
            let grant = try await ZohoAuthorization.exchange(
                code: code, accountsURL: accounts, clientId: clientId,
                clientSecret: secrets.value(.crmClientSecret) ?? "", redirectURI: redirectUri, client: HTTPClient.shared
            )
            try ZohoAuthorization.writeSecret(grant.refreshToken, to: target)
            print("refresh token written to \(target) (mode 0600)")
            if let domain = grant.apiDomain { print("API domain: \(domain)") }
            if accounts != global.zohoAccountsURL {
                print("set crm.zoho.accounts.url = \(accounts) in \(global.file)")
            }
            print("restart ztisup-uploader (or ztisup) to use it")
        } catch {
            printError("error: " + error.message)
            throw ExitCode(error.code == .crmUnavailable ? 69 : 77)
        }
    }
}
