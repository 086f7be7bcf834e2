import Glibc

/// Where a process logs: the journal's native protocol, or plain lines on stderr.
public enum LogTarget: String, Sendable, CaseIterable {
    /// The journal when stderr is the journal's stream (`$JOURNAL_STREAM` names stderr), stderr otherwise.
    case auto
    /// The native journal protocol.
    case journal
    /// Plain lines on stderr.
    case stderr

    /// Resolves ``auto`` against this process's stderr and `JOURNAL_STREAM` (`device:inode`).
    public func resolved(journalStream: String?) -> LogTarget {
        guard self == .auto else { return self }
        return Self.stderrIsJournal(journalStream) ? .journal : .stderr
    }

    /// True when `journalStream` (`device:inode`) is the device and inode of fd 2.
    static func stderrIsJournal(_ journalStream: String?) -> Bool {
        guard let journalStream else { return false }
        let parts = journalStream.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(2, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}
