import ArgumentParser
import Foundation
import ZTICore

/// `ztisup check-config`: validates the configuration like the supervisor does and prints a summary.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration and print a summary; exit 0 when valid, 78 with every error.",
        discussion: """
            Reads zti.properties and groups/*.properties from the configuration directory, reports every error \
            with file:line, the key, the bad value and what was expected, and prints warnings (unknown keys, \
            inline passwords, ...). Secrets are never read: the summary names where the CRM token comes from.
            """
    )

    @OptionGroup var conf: ConfOption

    @Option(name: .customLong("group"), help: "Check zti.properties and this one group only (the group file's name).")
    var group: String?

    func run() throws {
        let configuration: Configuration
        do {
            configuration = try ConfigurationLoader.load(confDir: conf.directory, onlyGroup: group)
        } catch {
            for diagnostic in error.diagnostics where diagnostic.severity == .warning {
                printError(diagnostic.description)
            }
            for diagnostic in error.diagnostics where diagnostic.severity == .error {
                printError("error: " + diagnostic.description)
            }
            if error.diagnostics.isEmpty { printError("error: \(error.message)") }
            let count = error.diagnostics.filter { $0.severity == .error }.count
            printError("configuration in \(conf.directory) is invalid: \(count == 1 ? "1 error" : "\(count) errors")")
            throw ExitCode(78)
        }
        for warning in configuration.warnings { printError(warning.description) }
        print(
            ConfigSummary.lines(
                configuration, confDir: conf.directory,
                credentialsDirectory: ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"]
            ).joined(separator: "\n"))
    }
}

/// Writes one line to stderr.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
