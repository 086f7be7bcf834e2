import Foundation
import Glibc
import ZTIProcess

/// Spawns the children as real processes of `executable` (this binary, through /proc/self/exe), from the one
/// spawn thread, with the supervisor's environment less systemd's variables (the children are not services of
/// their own: systemd hears from the supervisor only).
public struct ProcessChildSpawner: Spawner {
    let executable: String
    let logTarget: String
    let confDir: String
    /// argv[0] of the children: the binary's real path, for `ps` (executed through /proc/self/exe, which stays this
    /// binary even if the file is replaced by an upgrade).
    let name: String

    public init(executable: String, logTarget: String, confDir: String) {
        self.executable = executable
        self.logTarget = logTarget
        self.confDir = confDir
        self.name = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
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
        let (executable, logTarget, name, environment) = (executable, logTarget, name, environment)
        do {
            let pid = try await SpawnThread.shared.run {
                Result { () throws(ZTIProcessError) -> pid_t in
                    try ProcessSpawner.spawn(
                        executable, ["worker", "--log-target", logTarget], name: name, environment: environment,
                        link: child)
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
