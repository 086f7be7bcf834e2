import ArgumentParser
import Foundation
import ZTICore
import ZTISupervisor

/// `ztisup capture`: has the running worker of a group write its raw PBX stream, for `ztisup replay` and support.
struct CaptureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Capture a group's raw PBX stream (both directions, secrets redacted) for replay and support.",
        discussion: """
            Asks the supervisor that runs the group to have its worker write what the PBX and ztisup say to each \
            other to <state.dir>/captures/<group>-<UTC time>.ami (or .dmcc for Avaya), mode 0600. The whole \
            Login action, passwords, MD5 keys and challenges are redacted. The capture starts at the next whole \
            message and stops by itself after --duration or at --max-size, whichever comes first; the command \
            returns at once with the file's name. `ztisup replay --group-file <group file> FILE` turns the file \
            into the events the worker sent. Exit 0 when the capture started, 1 when the worker refused or did \
            not answer, 3 when ztisup is not running, 64 for a bad option, 78 for a configuration error.
            """)

    @OptionGroup var conf: ConfOption

    @Option(help: "The group (its file's name in groups/).")
    var group: String

    @Option(help: "How long to capture at most: 30s, 10m, 2h (1 second to 24 hours; default 10m).")
    var duration: String = "10m"

    @Option(help: "The capture's size cap: 500K, 50M, 1G (at most 10G; default 50M).")
    var maxSize: String = "50M"

    func validate() throws {
        _ = try request()
    }

    /// The request the options describe.
    func request() throws -> CaptureRequest {
        guard let length = ConfigValueParser.duration(duration), length >= .seconds(1),
            length <= .seconds(CaptureRequest.maximumSeconds)
        else {
            throw ValidationError("--duration \(duration): expected 1s to 24h, such as 30s, 10m or 2h")
        }
        guard let bytes = ConfigValueParser.byteSize(maxSize), bytes <= CaptureRequest.maximumBytes else {
            throw ValidationError("--max-size \(maxSize): expected a size up to 10G, such as 500K, 50M or 1G")
        }
        return CaptureRequest(group: group, seconds: Int(length.components.seconds), maxBytes: bytes)
    }

    func run() async throws {
        let configuration: Configuration
        do {
            configuration = try ConfigurationLoader.load(confDir: conf.directory, onlyGroup: group)
        } catch {
            printError("error: " + error.message)
            throw ExitCode(78)
        }
        let path = Supervisor.controlSocket(running: group, runtimeDir: configuration.global.runtimeDir)
        let report: StatusReport
        do {
            report = try await ControlClient.status(path: path)
        } catch {
            printError("ztisup is not running (no supervisor answers at \(path): \(error.message))")
            throw ExitCode(3)
        }
        // A supervisor of an earlier release would close the link on a frame type it does not know.
        let version = report.supervisor?.protocolVersion ?? 1
        guard version >= WireProtocol.captureVersion else {
            printError(
                "the running supervisor speaks protocol \(version), which has no captures (protocol "
                    + "\(WireProtocol.captureVersion)): restart it so that it runs this release")
            throw ExitCode(1)
        }
        let asked = try request()
        let result: CaptureResult
        do {
            result = try await ControlClient.capture(path: path, request: asked)
        } catch {
            printError("the supervisor at \(path) did not answer the capture request: \(error.message)")
            throw ExitCode(1)
        }
        guard let file = result.file else {
            printError("no capture of group \(group): \(result.error ?? "the worker gave no reason")")
            throw ExitCode(1)
        }
        let groupFile = configuration.groups.first { $0.key == group }?.file ?? "groups/\(group).properties"
        let pbx = configuration.groups.first { $0.key == group }?.pbx.type == .avaya ? " --pbx avaya" : ""
        print("capturing group \(group) to \(file) for at most \(duration) or \(maxSize); it stops by itself")
        print("then: ztisup replay\(pbx) --group-file \(groupFile) \(file)")
    }
}
