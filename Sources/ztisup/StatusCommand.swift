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
        // The umbrella's socket, and every per-group unit's in its own directory under the runtime directory.
        var paths = [Supervisor.controlSocket(runtimeDir: global.runtimeDir, group: nil)]
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: global.runtimeDir)) ?? []
        for entry in entries.sorted() {
            let path = Supervisor.controlSocket(runtimeDir: global.runtimeDir, group: entry)
            if FileManager.default.fileExists(atPath: path) { paths.append(path) }
        }
        var reports: [StatusReport] = []
        for path in paths {
            if let report = try? await ControlClient.status(path: path) { reports.append(report) }
        }
        guard !reports.isEmpty else {
            printError(
                "ztisup is not running (no supervisor answers at \(paths.joined(separator: " or ")))")
            throw ExitCode(3)
        }
        // Groups that no supervisor runs are shown too; an invalid group file only hides them.
        let configured = (try? ConfigurationLoader.load(confDir: conf.directory))?.groups.map(\.key) ?? []
        let report = StatusMerge.merge(reports, configuredGroups: configured)
        let view = StatusView(report)
        print(json ? CanonicalJSON.string(report) : view.text, terminator: json ? "\n" : "")
        if !view.allUp { throw ExitCode(1) }
    }
}
