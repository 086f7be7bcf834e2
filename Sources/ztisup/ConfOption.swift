import ArgumentParser

/// `--conf DIR`, shared by every command that reads the configuration.
struct ConfOption: ParsableArguments {
    @Option(name: .customLong("conf"), help: "The configuration directory (zti.properties and groups/).")
    var directory: String = "/etc/ztisup"
}
