import CLinux
import Glibc

/// Starts a child with `posix_spawn`: the descriptors it is given (0 to 2, and fd 3 for the link to its
/// supervisor) and no other, default signal dispositions and an empty signal mask, whatever the parent blocks or
/// ignores.
public enum ProcessSpawner {
    /// What one of the child's standard descriptors is.
    public enum Wiring: Sendable {
        case inherit
        case devNull
        case descriptor(Int32)
    }

    /// Spawns `executable` with `arguments` (argv[0] is `name`, else the executable), `environment` as
    /// `NAME=value` lines (nil: the parent's), and `link` as fd 3 when given.
    public static func spawn(
        _ executable: String, _ arguments: [String], name: String? = nil, environment: [String]? = nil,
        stdin: Wiring = .devNull, stdout: Wiring = .inherit, stderr: Wiring = .inherit, link: Int32? = nil
    ) throws(ZTIProcessError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // A descriptor numbered 0 to 3 would be overwritten before it is copied; move it above first.
        var moved: [Int32] = []
        defer { for fd in moved { close(fd) } }
        func above3(_ fd: Int32) throws(ZTIProcessError) -> Int32 {
            guard fd <= 3 else { return fd }
            let copy = fcntl(fd, F_DUPFD_CLOEXEC, 10)
            guard copy >= 0 else { throw .system(.spawnFailed, "fcntl(F_DUPFD_CLOEXEC)") }
            moved.append(copy)
            return copy
        }
        for (wiring, target) in [(stdin, Int32(0)), (stdout, 1), (stderr, 2)] {
            switch wiring {
            case .inherit: break
            case .devNull:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .descriptor(let fd):
                posix_spawn_file_actions_adddup2(&actions, try above3(fd), target)
            }
        }
        if let link { posix_spawn_file_actions_adddup2(&actions, try above3(link), 3) }
        _ = zti_spawn_close_from(&actions, link == nil ? 3 : 4)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        var all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var lines = environment ?? []
        if environment == nil {
            var entry = environ
            while let line = entry.pointee {
                lines.append(String(cString: line))
                entry += 1
            }
        }
        let argv = ([name ?? executable] + arguments).map { strdup($0) } + [nil]
        let envp = lines.map { strdup($0) } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else { throw .system(.spawnFailed, "posix_spawn \(executable)", errno: status) }
        return pid
    }

    /// A connected pair of stream sockets, both close-on-exec: one end for the parent, one for the child's fd 3.
    public static func socketPair() throws(ZTIProcessError) -> (parent: Int32, child: Int32) {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw .system(.socketFailed, "socketpair")
        }
        return (fds[0], fds[1])
    }

    /// For the long-running commands (`run`, `worker`, `uploader`): blocks SIGTERM, SIGINT, SIGHUP and SIGCHLD before any
    /// other thread exists, so that every thread inherits the mask and the signals wait for the process's
    /// dispatch signal sources. With the signals merely ignored, the kernel may hand one to a thread that does not
    /// block it, which drops it: a SIGTERM from systemd would then be lost. Children start with an empty mask.
    public static func blockHandledSignals() {
        _ = zti_block_handled_signals()
    }

    /// Makes this process get `signal` when its parent exits (the second guard beside EOF on fd 3); true when
    /// the parent is still `expectedParent` afterwards (it may have exited before the call).
    public static func dieWithParent(signal: Int32 = SIGTERM, expectedParent: pid_t) -> Bool {
        zti_follow_parent(signal, expectedParent) == 1
    }
}
