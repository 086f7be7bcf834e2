import Foundation

@testable import ZTICore

/// A configuration directory in a fresh temporary folder, removed when the value is released.
final class ConfDirectory {
    let path: String

    static let validGlobal = "crm.sink = none\nruntime.dir = run\nstate.dir = state\n"

    static let validGroup = """
        pbx.type = asterisk
        pbx.host = 192.0.2.10
        pbx.username = zti
        pbx.password.file = pbx.secret
        user.alice.crmuser = 100
        user.alice.extension = 101

        """

    init(global: String = ConfDirectory.validGlobal, groups: [String: String] = ["sales": ConfDirectory.validGroup]) {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("zti-conf-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path + "/groups", withIntermediateDirectories: true)
        write("zti.properties", global)
        write("pbx.secret", "secret\n")
        // A credential file is for its owner only.
        chmod(path + "/pbx.secret", 0o600)
        for (key, text) in groups { write("groups/\(key).properties", text) }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func write(_ relative: String, _ text: String) {
        write(relative, bytes: Array(text.utf8))
    }

    func write(_ relative: String, bytes: [UInt8]) {
        _ = FileManager.default.createFile(atPath: path + "/" + relative, contents: Data(bytes))
    }

    func load(onlyGroup: String? = nil) throws(ZTICoreError) -> Configuration {
        try ConfigurationLoader.load(confDir: path, onlyGroup: onlyGroup)
    }

    /// The error lines of a configuration that must fail, with the directory replaced by `conf`.
    func errors(onlyGroup: String? = nil) -> [String] {
        do {
            _ = try load(onlyGroup: onlyGroup)
            return ["(no error)"]
        } catch {
            return error.diagnostics.filter { $0.severity == .error }.map(relative)
        }
    }

    /// The warnings of a configuration that must load.
    func warnings() throws -> [String] {
        try load().warnings.map(relative)
    }

    private func relative(_ diagnostic: ConfigDiagnostic) -> String {
        diagnostic.description.replacingOccurrences(of: path, with: "conf")
    }
}
