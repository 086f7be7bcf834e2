import Foundation
import Glibc

/// The `flock`s that make each group run under one supervisor only: `<runtime.dir>/<group>/lock` per group, and
/// `<runtime.dir>/control.lock` for the umbrella while it owns `control.sock`. Released when the supervisor
/// stops (or dies: the kernel drops them with the process).
final class GroupLocks {
    private let runtimeDir: String
    private var groups: [String: Int32] = [:]
    private var umbrella: Int32?

    init(runtimeDir: String) {
        self.runtimeDir = runtimeDir
    }

    deinit { releaseAll() }

    /// Takes the umbrella's lock; the reason when another supervisor holds it.
    func lockUmbrella() -> String? {
        let path = runtimeDir + "/control.lock"
        switch take(path) {
        case .success(let fd):
            umbrella = fd
            return nil
        case .failure(.held):
            return "another ztisup supervisor already runs with the runtime directory \(runtimeDir) "
                + "(it holds \(path)); not starting a second one"
        case .failure(.cannotOpen(let reason)):
            return "cannot open \(path): \(reason)"
        }
    }

    /// Takes `group`'s lock (kept if already held); the reason when another supervisor holds it.
    func lock(_ group: String) -> String? {
        if groups[group] != nil { return nil }
        let directory = runtimeDir + "/" + group
        try? FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        switch take(directory + "/lock") {
        case .success(let fd):
            groups[group] = fd
            return nil
        case .failure(.held):
            return
                "group \(group) is already run by another supervisor (it holds \(directory)/lock); not starting it here"
        case .failure(.cannotOpen(let reason)):
            return "group \(group): cannot open \(directory)/lock: \(reason)"
        }
    }

    func isHeld(_ group: String) -> Bool { groups[group] != nil }

    /// Lets `group` go (removed by a reload).
    func release(_ group: String) {
        if let fd = groups.removeValue(forKey: group) { close(fd) }
    }

    func releaseAll() {
        for fd in groups.values { close(fd) }
        groups = [:]
        if let fd = umbrella { close(fd) }
        umbrella = nil
    }

    private enum Refusal: Error {
        case held
        case cannotOpen(String)
    }

    private func take(_ path: String) -> Result<Int32, Refusal> {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return .failure(.cannotOpen(String(cString: strerror(errno)))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return .failure(.held)
        }
        return .success(fd)
    }
}
