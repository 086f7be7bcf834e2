import ArgumentParser
import ZTIWorker

/// `ztisup worker`: started by a supervisor only, with the link on fd 3, when it finds no `ztisup-worker` beside it.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run one group's PBX link (internal: started by the supervisor with its link on fd 3).",
        discussion: """
            The supervisor passes one end of a socket pair as fd 3 and sends the group's configuration as the \
            first frame. The worker exits when fd 3 closes, on SHUTDOWN, on SIGTERM, or when its parent exits. \
            Exit 78 means the group's configuration cannot work (e.g. a pbx.password.file it cannot read).
            """)

    @Option(help: "auto (journal when stderr is the journal), journal or stderr.")
    var logTarget: String = "auto"

    func run() async throws {
        let code = await WorkerMain.run(logTarget: logTarget)
        if code != 0 { throw ExitCode(code) }
    }
}
