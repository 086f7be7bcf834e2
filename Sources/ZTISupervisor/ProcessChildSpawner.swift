import Foundation
import Glibc
import ZTIProcess

/// Spawns the children as real processes, from the one spawn thread, with the supervisor's environment less
/// systemd's variables (the children are not services of their own: systemd hears from the supervisor only). The
/// uploader is `executable` (this binary, through /proc/self/exe); a worker is `ztisup-worker` beside this binary,
/// the worker alone (a group's process then holds none of the rest), or `executable worker` when there is none.
public struct ProcessChildSpawner: Spawner {
    let executable: String
    let logTarget: String
    let confDir: String
    /// argv[0] of the children: the binary's real path, for `ps` (executed through /proc/self/exe, which stays this
    /// binary even if the file is replaced by an upgrade).
    let name: String
    /// `ztisup-worker` beside this binary, when it is there and executable.
    let workerExecutable: String?

    public init(executable: String, logTarget: String, confDir: String) {
        self.executable = executable
        self.logTarget = logTarget
        self.confDir = confDir
        self.name = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let sibling = URL(fileURLWithPath: name).deletingLastPathComponent().appendingPathComponent("ztisup-worker")
            .path
        self.workerExecutable = access(sibling, X_OK) == 0 ? sibling : nil
    }

    private var environment: [String] {
        var environment = ProcessInfo.processInfo.environment
        environment["ZTI_SUPERVISOR_PID"] = String(getpid())
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"] {
            environment[name] = nil
        }
        return environment.map { $0.key + "=" + $0.value }
    }

    public func spawnWorker() async throws -> (pid: pid_t, link: Int32) {
        let (parent, child) = try ProcessSpawner.socketPair()
        defer { close(child) }
        let (path, arguments, name) =
            workerExecutable.map { ($0, ["--log-target", logTarget], $0) }
            ?? (executable, ["worker", "--log-target", logTarget], name)
        let environment = environment
        do {
            let pid = try await SpawnThread.shared.run {
                Result { () throws(ZTIProcessError) -> pid_t in
                    try ProcessSpawner.spawn(path, arguments, name: name, environment: environment, link: child)
                }
            }.get()
            return (pid, parent)
        } catch {
            close(parent)
            throw error
        }
    }

    public func spawnUploader() async throws -> pid_t {
        let (executable, logTarget, name, environment, confDir) = (executable, logTarget, name, environment, confDir)
        return try await SpawnThread.shared.run {
            Result { () throws(ZTIProcessError) -> pid_t in
                try ProcessSpawner.spawn(
                    executable, ["uploader", "--conf", confDir, "--log-target", logTarget], name: name,
                    environment: environment)
            }
        }.get()
    }

    public func signal(_ pid: pid_t, _ signal: Int32) {
        kill(pid, signal)
    }
}
