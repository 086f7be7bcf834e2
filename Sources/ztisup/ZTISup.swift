import ArgumentParser
import ZTICore
import ZTIProcess
import ZTISupervisor

/// `ztisup`: the one binary of the daemon; subcommands are thin wiring over the library targets.
struct ZTISup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ztisup",
        abstract: "Connects on-premise PBXs (Asterisk, Elastix/FreePBX, Avaya AES) with a CRM.",
        version: ZTIVersion.current,
        subcommands: [
            CheckConfig.self, UploaderCommand.self, CallsCommand.self, RedeliverCommand.self, CRMCommand.self,
            RunCommand.self, StatusCommand.self, DialCommand.self, WorkerCommand.self, Replay.self,
            LogProbe.self, CaptureCommand.self,
        ]
    )
}

/// The entry point: the long-running commands block the signals they handle before any other thread starts
/// (see ``ProcessSpawner/blockHandledSignals()``), then the command line is parsed as usual.
@main
enum Entry {
    static func main() async {
        let command = CommandLine.arguments.dropFirst().first
        if ["run", "worker", "uploader"].contains(command) { ProcessSpawner.blockHandledSignals() }
        await ZTISup.main()
    }
}
