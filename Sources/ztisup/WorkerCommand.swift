import ArgumentParser
import CLinux
import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import ZTIProcess
import ZTISystemd
import ZTIWorker

/// `ztisup worker`: started by a supervisor only, with the link on fd 3.
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
        // The worker reads whatever its PBX sends: large buffers go back to the system once freed.
        _ = zti_return_large_blocks()
        _ = ProcessLogging.bootstrap(
            identifier: "ztisup-worker", target: LogTarget(rawValue: logTarget) ?? .auto, level: .info)
        let logger = Logger(label: "ztisup.worker")
        var status = stat()
        guard fstat(3, &status) == 0, (status.st_mode & S_IFMT) == S_IFSOCK else {
            logger.critical("ztisup worker is started by the supervisor (ztisup run), with its link on fd 3")
            throw ExitCode(64)
        }
        if let parent = ProcessInfo.processInfo.environment["ZTI_SUPERVISOR_PID"].flatMap(Int32.init),
            !ProcessSpawner.dieWithParent(expectedParent: parent)
        {
            logger.critical("worker: the supervisor (pid \(parent)) is gone")
            throw ExitCode(1)
        }
        let worker = WorkerService(descriptor: 3, logger: logger)
        // The worker ending (its link closed) is a normal end, not a failure of the group.
        let configuration = ServiceGroupConfiguration(
            services: [.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm], logger: logger)
        try await ServiceGroup(configuration: configuration).run()
        if worker.exit != .done { throw ExitCode(worker.exit.rawValue) }
    }
}
