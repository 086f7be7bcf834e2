import Glibc

/// How the supervisor starts and signals its children. ``ProcessChildSpawner`` spawns real processes; the test kit
/// has a fake that plays the children in-process, so the supervisor's rules are tested without processes.
public protocol Spawner: Sendable {
    /// Starts a worker; returns its pid and the supervisor's end of its link (the worker holds the other as fd 3).
    func spawnWorker() async throws -> (pid: pid_t, link: Int32)
    /// Starts the uploader (all-in-one mode).
    func spawnUploader() async throws -> pid_t
    /// Sends `signal` to a child.
    func signal(_ pid: pid_t, _ signal: Int32)
}
