import CLinux
import FoundationEssentials
import Glibc
import Logging
import ServiceLifecycle
import ZTISystemd

/// What a worker process does from its start to its exit code: `ztisup-worker` (the small executable the supervisor
/// starts) and `ztisup worker` (the same, inside the one binary, for a supervisor that finds no `ztisup-worker`
/// beside it). Started by a supervisor only, with the link on fd 3.
public enum WorkerMain {
    /// Runs the worker; the process's exit code.
    public static func run(logTarget: String) async -> Int32 {
        // The worker reads whatever its PBX sends: large buffers go back to the system once freed.
        _ = zti_return_large_blocks()
        _ = ProcessLogging.bootstrap(
            identifier: "ztisup-worker", target: LogTarget(rawValue: logTarget) ?? .auto, level: .info)
        let logger = Logger(label: "ztisup.worker")
        var status = stat()
        guard fstat(3, &status) == 0, (status.st_mode & S_IFMT) == S_IFSOCK else {
            logger.critical("ztisup worker is started by the supervisor (ztisup run), with its link on fd 3")
            return 64
        }
        // The supervisor may die without a word: the worker follows it, and finds out if it already has.
        if let parent = ProcessInfo.processInfo.environment["ZTI_SUPERVISOR_PID"].flatMap(Int32.init),
            zti_follow_parent(SIGTERM, parent) != 1
        {
            logger.critical("worker: the supervisor (pid \(parent)) is gone")
            return 1
        }
        let worker = WorkerService(descriptor: 3, logger: logger)
        // The worker ending (its link closed) is a normal end, not a failure of the group.
        let configuration = ServiceGroupConfiguration(
            services: [.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm], logger: logger)
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch {
            logger.critical("worker: \(error)")
            return 1
        }
        return worker.exit == .done ? 0 : Int32(worker.exit.rawValue)
    }
}
