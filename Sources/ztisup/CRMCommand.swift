import ArgumentParser

/// `ztisup crm`: setting up the CRM side.
struct CRMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crm", abstract: "Zoho set-up: authorize ztisup, list Zoho users.",
        subcommands: [CRMAuthorizeCommand.self, CRMUsersCommand.self])
}
