import ArgumentParser

/// `zti-pbxsim`: stands in for the PBXs (and later the CRM) in tests, demos and load tests.
@main
struct PBXSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zti-pbxsim",
        abstract: "Simulate a PBX (Asterisk AMI, Avaya AES) and a CRM for ztisup tests, demos and load tests.",
        subcommands: [AMICommand.self, AESCommand.self, CRMCommand.self]
    )
}
