import FoundationEssentials
import Glibc

/// The AES application session of a group, kept in `<runtime.dir>/<group>/aes-session` (mode 0600) so that the next
/// worker recovers it within `avaya.session.cleanupdelay` instead of starting a second session that would hold the
/// monitors and TSAPI licences twice until AES cleans the first one up.
///
/// The record names the AES and the CTI user it belongs to: a session of another AES, or of another user, is never
/// offered for recovery. A session ended politely, or lost, is removed.
public struct AESSessionStore: Sendable {
    /// What the file holds: the session, its monitors and the device IDs they were started on.
    public struct Record: Sendable, Equatable, Codable {
        public var host: String
        public var port: Int
        public var username: String
        public var sessionID: String
        /// Monitor cross-reference ID per extension.
        public var crossRefs: [String: String]
        /// Device ID per extension.
        public var devices: [String: String]

        public init(
            host: String, port: Int, username: String, sessionID: String, crossRefs: [String: String] = [:],
            devices: [String: String] = [:]
        ) {
            self.host = host
            self.port = port
            self.username = username
            self.sessionID = sessionID
            self.crossRefs = crossRefs
            self.devices = devices
        }
    }

    public let path: String

    /// The store of `group` under `runtimeDir`.
    public init(runtimeDir: String, group: String) {
        path = runtimeDir + "/" + group + "/aes-session"
    }

    /// The stored session, if there is a readable one; a damaged file is reported and treated as none.
    public func load() -> Result<Record?, ZTIAvayaError> {
        guard let data = FileManager.default.contents(atPath: path) else { return .success(nil) }
        do {
            return .success(try JSONDecoder().decode(Record.self, from: data))
        } catch {
            return .failure(
                ZTIAvayaError(
                    .sessionStoreFailed,
                    "the stored AES session \(path) cannot be read (\(error)); a new session is started"))
        }
    }

    /// Writes the record atomically (a temporary file renamed over the old one), readable by its owner only: the
    /// session ID lets whoever holds it take the session over.
    public func save(_ record: Record) throws(ZTIAvayaError) {
        let directory = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let temporary = path + ".new"
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = try encoder.encode(record)
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            defer { close(descriptor) }
            fchmod(descriptor, 0o600)
            let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written == data.count else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            guard rename(temporary, path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            unlink(temporary)
            throw ZTIAvayaError(
                .sessionStoreFailed,
                "cannot keep the AES session in \(path) (\(error)); a worker restart will start a new session")
        }
    }

    /// Forgets the session.
    public func remove() {
        unlink(path)
    }
}
