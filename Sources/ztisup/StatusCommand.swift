import ArgumentParser
import Foundation
import ZTICore
import ZTISupervisor

/// `ztisup status`: what the supervisor says about every part; exit 0 up, 1 degraded, 3 not running.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the groups, workers, PBX links, the uploader and the spool.",
        discussion: "Exit status: 0 when everything is up, 1 when something is degraded, 3 when ztisup is not running.")

    @OptionGroup var conf: ConfOption

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let global = try conf.loadGlobal()
        let path = global.runtimeDir + "/control.sock"
        let report: JSONValue
        do {
            report = try await ControlClient.status(path: path)
        } catch {
            printError("ztisup is not running (no supervisor answers at \(path): \(error.message))")
            throw ExitCode(3)
        }
        let view = StatusView(report)
        print(json ? CanonicalJSON.string(report) : view.text, terminator: json ? "\n" : "")
        if !view.allUp { throw ExitCode(1) }
    }
}
