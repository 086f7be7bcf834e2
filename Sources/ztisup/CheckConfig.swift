import ArgumentParser
import Foundation
import Logging
import ZTIAsterisk
import ZTIAvaya
import ZTICore
import ZTIUploader

/// `ztisup check-config`: validates the configuration like the supervisor does and prints a summary.
struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration and print a summary; exit 0 when valid, 78 with every error.",
        discussion: """
            Reads zti.properties and groups/*.properties from the configuration directory, reports every error \
            with file:line, the key, the bad value and what was expected, and prints warnings (unknown keys, \
            inline passwords, ...). Secrets are not read (the summary names where the CRM token comes from), except \
            by --connect, which logs in with the PBX passwords and asks Zammad's URL, and never prints them.

            With --connect it then connects to each group's PBX and checks what can be checked without placing \
            a call (Asterisk: the login, the family and version, the originate and reporting write classes, \
            timestampevents, a device hint for every extension; Avaya: TLS, the CTI user's session, a device and \
            a monitor for every extension), and checks the CRM: the webhook's or Zammad's URL with a HEAD \
            (which delivers nothing), Zoho by asking the running uploader to use the access token it holds \
            (never refreshed for the check); one line per check; exit 1 when one fails.
            """
    )

    @OptionGroup var conf: ConfOption

    @Option(name: .customLong("group"), help: "Check zti.properties and this one group only (the group file's name).")
    var group: String?

    @Flag(help: "Then check each group's PBX and the CRM, live (exit 1 when a check fails).")
    var connect = false

    @Option(help: "With --connect: seconds to wait for each answer of the PBX or the CRM (1-60, default 5).")
    var timeout: Int?

    func validate() throws {
        guard let timeout else { return }
        guard connect else { throw ValidationError("--timeout goes with --connect") }
        guard (1...60).contains(timeout) else {
            throw ValidationError("--timeout \(timeout): expected 1 to 60 seconds")
        }
    }

    func run() async throws {
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
        let credentials = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"]
        print(
            ConfigSummary.lines(configuration, confDir: conf.directory, credentialsDirectory: credentials)
                .joined(separator: "\n"))
        guard connect else { return }
        let wait = Duration.seconds(timeout ?? 5)
        var failed = false
        func report(_ name: String, _ checks: [PreflightCheck]) {
            for check in checks { print("\(name): \(check.outcome.rawValue): \(check.text)") }
            failed = failed || checks.contains { $0.outcome == .fail }
        }
        for group in configuration.groups { report(group.key, await Self.connectChecks(group, timeout: wait)) }
        report("crm", await CRMPreflight.run(configuration, credentialsDirectory: credentials, timeout: wait))
        if failed { throw ExitCode(1) }
    }

    /// The `--connect` checks of one group.
    static func connectChecks(_ group: GroupConfig, timeout: Duration) async -> [PreflightCheck] {
        if group.pbx.type == .avaya {
            var settings: AESClientSettings
            do {
                settings = try AESClientSettings(group: group)
            } catch {
                return [PreflightCheck(.fail, error.message)]
            }
            settings.replyTimeout = timeout
            return await AvayaPreflight.run(
                client: AESClient(settings: settings, logger: Logger(label: "check-config")))
        }
        var settings: AMIClientSettings
        do {
            settings = try AMIClientSettings(group: group)
        } catch {
            return [PreflightCheck(.fail, error.message)]
        }
        settings.replyTimeout = timeout
        let client = AMIClient(settings: settings, logger: Logger(label: "check-config"))
        return await AsteriskPreflight.run(group: group, client: client)
    }
}

/// Writes one line to stderr.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
