import ArgumentParser
import ZTICore

/// `ztisup`: the one binary of the daemon; subcommands are thin wiring over the library targets.
@main
struct ZTISup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ztisup",
        abstract: "Connects on-premise PBXs (Asterisk, Elastix/FreePBX, Avaya AES) with a CRM.",
        version: ZTIVersion.current,
        subcommands: [
            CheckConfig.self, UploaderCommand.self, CallsCommand.self, RedeliverCommand.self, CRMCommand.self,
            RunCommand.self, StatusCommand.self, WorkerCommand.self, Replay.self,
            LogProbe.self,
        ]
    )
}
