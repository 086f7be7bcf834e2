import ArgumentParser
import Foundation
import ZTICore
import ZTISupervisor

/// `ztisup dial`: click-to-dial from the shell, through the running supervisor.
struct DialCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dial",
        abstract: "Place a click-to-dial call from the shell.",
        discussion: """
            The user is a CRM user id (user.X.crmuser) or a user.X key; the call is placed by the membership \
            marked user.X.default = true (or the only one). The number gets the user's dial code, or the one \
            --dialcode names (a code's destination, or noprefix). Exit 0 when the PBX took the request (with \
            --wait: when the call was answered), 1 when it was refused or failed, 3 when ztisup is not running.
            """)

    @OptionGroup var conf: ConfOption

    @Option(help: "The CRM user id or the user.X key of the caller.")
    var user: String

    @Option(help: "The number to dial.")
    var number: String

    @Option(help: "A dial code's destination name, or noprefix.")
    var dialcode: String?

    @Flag(help: "Wait for the call's outcome (answered, busy, no answer, ...).")
    var wait = false

    func run() async throws {
        let configuration: Configuration
        let target: ClickToDialTarget
        let dialString: String
        do {
            configuration = try ConfigurationLoader.load(confDir: conf.directory)
            target = try ClickToDialTarget.resolve(user, in: configuration.groups)
            dialString = try DialPlan.dialString(
                group: target.group, user: target.user, number: number, dialCode: dialcode)
        } catch {
            printError("error: " + error.message)
            throw ExitCode(error.code == .configurationInvalid ? 78 : 64)
        }
        let request = DialRequest(
            clickToDialId: "cli-" + UUID().uuidString.lowercased().prefix(13), group: target.group.key,
            extension: target.user.extensionNumber, user: target.user.crmUser, number: dialString)
        let path = Supervisor.controlSocket(running: target.group.key, runtimeDir: configuration.global.runtimeDir)
        let limit = (target.group.pbx.originate?.timeout ?? .seconds(30)) + .seconds(120)
        let results: [DialResult]
        do {
            results = try await ControlClient.dial(
                path: path, request: request, waitForOutcome: wait, limit: wait ? limit : .seconds(5))
        } catch {
            printError("ztisup is not running (no supervisor answers at \(path): \(error.message))")
            throw ExitCode(3)
        }
        for result in results {
            print(
                "\(result.clickToDialId): \(result.status.rawValue)"
                    + (result.status == .accepted
                        ? " (group \(request.group), extension \(request.extension) rings first, then \(dialString))"
                        : "") + (result.reason.map { ": \($0)" } ?? ""))
        }
        guard let last = results.last else {
            printError("no answer from the supervisor")
            throw ExitCode(1)
        }
        let success: Bool = wait ? last.status == .answered : last.status == .accepted
        if !success { throw ExitCode(1) }
    }
}
