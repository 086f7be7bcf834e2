import Foundation
import Glibc
import ZTICore

/// The CRM secrets, read by the uploader alone: from `$CREDENTIALS_DIRECTORY/<name>` (systemd
/// `LoadCredential=`), else from the file named by `secret.<name>.file`, which must be mode 0600 or stricter and
/// owned by the user the uploader runs as. Values never leave this type except to the code that sends them.
public struct SecretStore: Sendable {
    private let values: [SecretName: String]
    /// Where each secret came from, for status and logs (never the value).
    public let sources: [SecretName: String]

    /// Loads the secrets named in `needed`, plus any other one that is configured (only those of `only` when given,
    /// for set-up commands that must not touch the others, such as a refresh token file not written yet).
    ///
    /// - Throws: ``ZTIUploaderError/Code/secretRefused`` for a file readable by others or owned by another user,
    ///   ``ZTIUploaderError/Code/secretMissing`` for a needed secret that is nowhere.
    public init(
        global: GlobalConfig, needed: Set<SecretName>, credentialsDirectory: String?, only: Set<SecretName>? = nil
    ) throws(ZTIUploaderError) {
        var values: [SecretName: String] = [:]
        var sources: [SecretName: String] = [:]
        for name in SecretName.allCases where only?.contains(name) ?? true {
            if let directory = credentialsDirectory {
                let path = directory + "/" + name.rawValue
                if let data = FileManager.default.contents(atPath: path) {
                    values[name] = Self.trimmed(data)
                    sources[name] = "systemd credential \(path)"
                    continue
                }
            }
            guard let path = global.secretFiles[name] else { continue }
            try Self.checkPermissions(path, key: name.fileKey)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ZTIUploaderError(.secretMissing, "\(name.fileKey) = \(path): the file cannot be read")
            }
            values[name] = Self.trimmed(data)
            sources[name] = "file \(path)"
        }
        for name in needed.sorted(by: { $0.rawValue < $1.rawValue }) where values[name] == nil {
            throw ZTIUploaderError(
                .secretMissing,
                "the secret \(name.rawValue) is missing: give it to ztisup-uploader.service with "
                    + "LoadCredential=\(name.rawValue):/etc/ztisup/credstore/\(name.rawValue), or set \(name.fileKey) "
                    + "in zti.properties to a file of mode 0600")
        }
        self.values = values
        self.sources = sources
    }

    /// The secret, for the request that needs it.
    public func value(_ name: SecretName) -> String? {
        values[name]
    }

    /// Refuses a secret file that others may read or that another user owns.
    static func checkPermissions(_ path: String, key: String) throws(ZTIUploaderError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ZTIUploaderError(.secretMissing, "\(key) = \(path): the file does not exist")
        }
        let mode = info.st_mode & 0o777
        if mode & 0o077 != 0 {
            throw ZTIUploaderError(
                .secretRefused,
                "\(key) = \(path) is readable by others (mode \(String(mode, radix: 8))); run: chmod 600 \(path)")
        }
        if info.st_uid != geteuid() {
            throw ZTIUploaderError(
                .secretRefused,
                "\(key) = \(path) is owned by uid \(info.st_uid), not by the uploader's user (uid \(geteuid())); "
                    + "run: chown $(id -un) \(path)")
        }
    }

    private static func trimmed(_ data: Data) -> String {
        var text = String(decoding: data, as: UTF8.self)
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        return text
    }
}
