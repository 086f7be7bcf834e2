import ArgumentParser
import Foundation
import ZTIAsterisk
import ZTIAvaya
import ZTICore

/// `ztisup replay`: normalizes a captured PBX stream offline and prints the events as canonical JSON lines.
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Normalize a captured AMI or DMCC stream offline and print its call events as JSON lines.",
        discussion: """
            Reads FILE (CRLF or LF line ends; client Action: blocks and a missing banner are fine) and prints one \
            canonical JSON event per line on stdout, exactly what a worker would send. Diagnostics, and the \
            calls still open at the end of the input, go to stderr. Without --group-file every endpoint of 2 to 8 \
            digits (0-9 * #) is a member and the group key is "replay". Messages without a Timestamp: header get \
            a clock that starts at the Unix epoch and advances 1 ms per message, so the output is repeatable. \
            With --pbx avaya, FILE holds DMCC messages, framed (as on the wire, one or both directions) or bare \
            XML documents one after another; every monitored extension is a member without --group-file.
            """
    )

    @Option(help: "The PBX protocol of the capture: asterisk (AMI; elastix captures are AMI too) or avaya (DMCC).")
    var pbx: String = "asterisk"

    @Option(help: "A group file for membership and numbers; the group key is its base name.")
    var groupFile: String?

    @Option(
        help: """
            The AMI family: auto (the banner, else the first events that show it), 1.4, 11 (1.6 to 11) or 12 (12 \
            and later).
            """)
    var family: String = "auto"

    @Argument(help: "The captured stream.")
    var file: String

    func validate() throws {
        guard ["asterisk", "elastix", "avaya"].contains(pbx) else {
            throw ValidationError("--pbx \(pbx): expected asterisk or elastix (AMI captures), or avaya (DMCC)")
        }
        guard family == "auto" || AMIFamily(rawValue: family) != nil else {
            throw ValidationError("--family \(family): expected auto, 1.4, 11 or 12")
        }
        if family != "auto", pbx == "avaya" { throw ValidationError("--family applies to AMI captures only") }
    }

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            printError("error: cannot read \(file)")
            throw ExitCode(66)
        }
        if pbx == "avaya" {
            try replayAvaya(Array(data))
            return
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
        let result = AMIReplay.run([Array(data)[...]], directory: directory, family: AMIFamily(rawValue: family))
        let output = result.events.map { $0.canonicalJSON() + "\n" }.joined()
        FileHandle.standardOutput.write(Data(output.utf8))
        for open in result.openLifecycles { printError("open at end of input: \(open)") }
        for line in Self.familyNotes(result) { printError(line) }
    }

    /// What stderr says about the family, and about a replay that read channel events but emitted nothing.
    static func familyNotes(_ result: AMIReplay.Result) -> [String] {
        let name = result.family.releases
        var notes: [String] = []
        switch result.familySource {
        case .events: notes.append("family \(name) (inferred from events: the capture has no banner)")
        case .assumed where result.callEventsRead > 0:
            notes.append("warning: no banner and no event told the AMI family; read as 12+ (give --family)")
        default: break
        }
        if result.events.isEmpty, result.callEventsRead > 0 {
            notes.append(
                "warning: \(result.callEventsRead) channel events read as family \(name) "
                    + "(\(result.familySource.rawValue)) gave no call event: no member took part in a way the call "
                    + "semantics report (an IVR only, an unanswered click-to-dial), or the members or the family are "
                    + "wrong (--group-file, --family)")
        }
        return notes
    }

    private func replayAvaya(_ bytes: [UInt8]) throws {
        let tracker: AvayaCallTracker
        if let groupFile {
            do {
                let (group, warnings) = try ConfigurationLoader.loadGroupFile(path: groupFile)
                for warning in warnings { printError(warning.description) }
                tracker = AvayaCallTracker(group: group)
            } catch {
                printError("error: " + error.message)
                throw ExitCode(78)
            }
        } else {
            printError("warning: no --group-file: every monitored extension is a member; group key \"replay\"")
            tracker = AvayaCallTracker(replayGroup: "replay")
        }
        let result = AvayaReplay.run(bytes, tracker: tracker)
        let output = result.events.map { $0.canonicalJSON() + "\n" }.joined()
        FileHandle.standardOutput.write(Data(output.utf8))
        for problem in result.problems { printError("skipped: \(problem)") }
        if result.openLifecycles > 0 { printError("open at end of input: \(result.openLifecycles) lifecycle(s)") }
    }
}
