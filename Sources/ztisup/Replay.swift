import ArgumentParser
import Foundation
import ZTIAsterisk
import ZTICore

/// `ztisup replay`: normalizes a captured PBX stream offline and prints the events as canonical JSON lines.
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Normalize a captured AMI stream offline and print its call events as JSON lines.",
        discussion: """
            Reads FILE (CRLF or LF line ends; client Action: blocks and a missing banner are fine) and prints one \
            canonical JSON event per line on stdout, exactly what a worker would send. Diagnostics, and the \
            calls still open at the end of the input, go to stderr. Without --group-file every endpoint of 2 to 8 \
            digits (0-9 * #) is a member and the group key is "replay". Messages without a Timestamp: header get \
            a clock that starts at the Unix epoch and advances 1 ms per message, so the output is repeatable.
            """
    )

    @Option(help: "The PBX protocol of the capture: asterisk (AMI; elastix captures are AMI too).")
    var pbx: String = "asterisk"

    @Option(help: "A group file for membership and numbers; the group key is its base name.")
    var groupFile: String?

    @Argument(help: "The captured stream.")
    var file: String

    func validate() throws {
        guard pbx == "asterisk" || pbx == "elastix" else {
            throw ValidationError("--pbx \(pbx): expected asterisk or elastix (AMI captures)")
        }
    }

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            printError("error: cannot read \(file)")
            throw ExitCode(66)
        }
        let directory: MemberDirectory
        if let groupFile {
            do {
                let (group, warnings) = try ConfigurationLoader.loadGroupFile(path: groupFile)
                for warning in warnings { printError(warning.description) }
                directory = MemberDirectory(group: group)
            } catch {
                printError("error: " + error.message)
                throw ExitCode(78)
            }
        } else {
            printError("warning: no --group-file: every endpoint of 2 to 8 of 0-9*# is a member; group key \"replay\"")
            directory = MemberDirectory(replayGroup: "replay", pbx: pbx == "elastix" ? .elastix : .asterisk)
        }
        let result = AMIReplay.run([Array(data)[...]], directory: directory)
        let output = result.events.map { $0.canonicalJSON() + "\n" }.joined()
        FileHandle.standardOutput.write(Data(output.utf8))
        for open in result.openLifecycles { printError("open at end of input: \(open)") }
    }
}
