import ArgumentParser
import ZTICore

/// `--conf DIR`, shared by every command that reads the configuration.
struct ConfOption: ParsableArguments {
    @Option(name: .customLong("conf"), help: "The configuration directory (zti.properties and groups/).")
    var directory: String = "/etc/ztisup"

    /// The whole configuration (or one group's); on errors they are printed and the command exits 78.
    func load(onlyGroup: String? = nil) throws -> Configuration {
        do {
            return try ConfigurationLoader.load(confDir: directory, onlyGroup: onlyGroup)
        } catch {
            printError("error: " + error.message)
            throw ExitCode(78)
        }
    }

    /// `zti.properties` alone, for commands that need only the sockets and the spool; exit 78 on errors.
    func loadGlobal() throws -> GlobalConfig {
        do {
            return try ConfigurationLoader.loadGlobal(confDir: directory)
        } catch {
            printError("error: " + error.message)
            throw ExitCode(78)
        }
    }
}
