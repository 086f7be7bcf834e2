import Glibc

/// The rule for a file holding a credential to the PBX (`pbx.password.file`), as for the CRM secrets: a regular
/// file that neither its group nor others may access, owned by root or by the user the daemon runs as (the
/// `User=` of the supervisor units, `ztisup`, or whoever runs this command).
public enum CredentialFile {
    /// The user of the supervisor units.
    public static let serviceUser = "ztisup"

    /// What is wrong with the credential file at `path`, or nil when it may be used.
    public static func problem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return "expected a file holding the PBX password, but \(path) does not exist"
        }
        if info.st_mode & S_IFMT == S_IFDIR {
            return "expected a file holding the PBX password, but \(path) is a directory"
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            return "expected a regular file holding the PBX password, but \(path) is not one"
        }
        let mode = info.st_mode & 0o777
        if mode & 0o077 != 0 {
            return "\(path) is open to its group or others (mode \(String(mode, radix: 8))); the PBX password is a "
                + "credential: run chmod 600 \(path)"
        }
        let allowed = allowedOwners()
        if !allowed.contains(info.st_uid) {
            return "\(path) is owned by uid \(info.st_uid), not by root or the user the daemon runs as "
                + "(\(serviceUser)\(serviceUid().map { ", uid \($0)" } ?? ""), or uid \(geteuid())); run: "
                + "chown \(serviceUser) \(path)"
        }
        return nil
    }

    static func allowedOwners() -> Set<uid_t> {
        var owners: Set<uid_t> = [0, geteuid()]
        if let service = serviceUid() { owners.insert(service) }
        return owners
    }

    static func serviceUid() -> uid_t? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwnam_r(serviceUser, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return entry.pw_uid
    }
}
