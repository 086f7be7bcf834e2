import ArgumentParser
import ZTICore
import ZTIUploader

/// `ztisup redeliver ID | --all-dead`: puts dead letters back in the delivery queue.
struct RedeliverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redeliver", abstract: "Re-queue a dead letter (by event id) or all of them.")

    @OptionGroup var conf: ConfOption

    @Argument(help: "The event id (group/callId/extension/state/attempt), as ztisup calls --dead --json shows.")
    var id: String?

    @Flag(help: "Re-queue every dead letter.")
    var allDead = false

    func validate() throws {
        guard (id != nil) != allDead else {
            throw ValidationError("give an event id or --all-dead, not both or neither")
        }
    }

    func run() throws {
        do {
            let global = try ConfigurationLoader.loadGlobal(confDir: conf.directory)
            let count = try Spool(path: UploaderCommand.spoolPath(global)).redeliver(id: allDead ? nil : id)
            print(count == 1 ? "1 event re-queued" : "\(count) events re-queued")
            if count == 0 { throw ExitCode(1) }
        } catch let error as ZTICoreError {
            printError("error: " + error.message)
            throw ExitCode(78)
        } catch let error as ZTIUploaderError {
            printError("error: " + error.message)
            throw ExitCode(74)
        }
    }
}
