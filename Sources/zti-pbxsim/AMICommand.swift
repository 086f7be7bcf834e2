import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import ZTIAsterisk
import ZTICore
import ZTIPBXSim

/// `zti-pbxsim ami`: an Asterisk Manager Interface server speaking one family's dialect.
struct AMICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ami",
        abstract: "Serve AMI like Asterisk 1.4, 1.6-11 or 12+, and play scenario transcripts to logged-in clients.",
        discussion: """
            The first line on stdout says where it listens: "listening ami HOST:PORT". Scenarios are either AMI \
            transcripts (.ami files, played as they are, timed by their Timestamp: headers) or files in the \
            scenario format (steps such as "at 4 answer c1 102", rendered in the family's dialect); they are \
            played to every logged-in client, --speed times faster, once the first client has logged in. \
            --load N starts N scenario calls per second, in turn, for --duration seconds. With \
            --control PATH a Unix socket takes JSON-line commands: {"command":"play","file":"..."}, \
            {"command":"drop"}, {"command":"stall","seconds":5}, {"command":"garbage"}, {"command":"restart"}.
            """
    )

    @Option(help: "The dialect: 1.4, 11 or 12.")
    var family: String = "12"

    @Option(help: "HOST:PORT to listen on (port 0 picks a free port).")
    var listen: String = "127.0.0.1:5038"

    @Option(help: "The AMI user name clients must log in with.")
    var username: String = "zti"

    @Option(help: "The AMI secret (a file with --secret-file).")
    var secret: String = "secret"

    @Option(help: "A file holding the AMI secret (a trailing line break is ignored).")
    var secretFile: String?

    @Option(help: "The user's write classes (manager.conf write=), comma-separated.")
    var write: String?

    @Flag(help: "Events without Timestamp: (manager.conf timestampevents = no).")
    var noTimestampEvents = false

    @Option(
        help: "The extensions with a device hint, for ExtensionState (e.g. 101-110,200); default: every number.")
    var hints: String?

    @Option(name: .customLong("scenario"), help: "An AMI transcript to play; repeatable, played in order.")
    var scenarios: [String] = []

    @Option(help: "Start this many scenario calls per second, taking the --scenario files in turn (load test).")
    var load: Double?

    @Option(help: "With --load: stop starting calls after this many seconds (default: until stopped).")
    var duration: Double?

    @Option(help: "Scenario time runs this many times faster than real time.")
    var speed: Double = 1

    @Option(help: "A Unix socket path for JSON-line fault and playback commands.")
    var control: String?

    @Option(
        help: """
            The first line sent on connect: none (as behind some AMI proxies), or a text such as \
            "Asterisk Call Manager/9.9" or "AMI proxy"; default: the family's "Asterisk Call Manager/<version>".
            """)
    var banner: String?

    func validate() throws {
        if let banner, banner.isEmpty || banner.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw ValidationError("--banner: expected none or one line of text")
        }
        guard AMIFamily(rawValue: family) != nil else {
            throw ValidationError("--family \(family): expected 1.4, 11 or 12")
        }
        if let hints { _ = try AESCommand.numbers(hints, option: "hints") }
        guard ConfigValueParser.hostPort(listen) != nil else {
            throw ValidationError("--listen \(listen): expected HOST:PORT, e.g. 127.0.0.1:0")
        }
        guard speed > 0 else { throw ValidationError("--speed \(speed): expected a positive number") }
        for file in scenarios where !FileManager.default.isReadableFile(atPath: file) {
            throw ValidationError("--scenario \(file): cannot read the file")
        }
        let scripts = try Self.scripts(scenarios)
        if let load, load <= 0 || load > 10_000 {
            throw ValidationError("--load \(load): expected 0 < calls/s <= 10000")
        }
        if load != nil && scripts.isEmpty {
            throw ValidationError("--load needs --scenario files in the scenario format (not .ami transcripts)")
        }
    }

    /// The scenario-format files (anything but `.ami` transcripts), parsed.
    static func scripts(_ files: [String]) throws -> [SimScenario] {
        try files.filter { !$0.hasSuffix(".ami") }.map { file in
            let text = String(decoding: FileManager.default.contents(atPath: file) ?? Data(), as: UTF8.self)
            do {
                return try SimScenario(text)
            } catch {
                throw ValidationError("--scenario \(file): \(error)")
            }
        }
    }

    func run() async throws {
        var secretValue = secret
        if let secretFile {
            guard let data = FileManager.default.contents(atPath: secretFile) else {
                throw ValidationError("--secret-file \(secretFile): cannot read the file")
            }
            secretValue = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
        }
        let address = ConfigValueParser.hostPort(listen)!
        var options = AMISimulatorOptions(
            family: AMIFamily(rawValue: family)!, username: username, secret: secretValue,
            writeClasses: write.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) },
            speed: speed)
        if let banner { options.banner = banner == "none" ? nil : banner }
        options.timestampEvents = !noTimestampEvents
        if let hints { options.hintedExtensions = try AESCommand.numbers(hints, option: "hints") }
        let simulator = AMISimulator(options: options)
        let server = try await AMISimulatorServer.bind(host: address.host, port: address.port, simulator: simulator)
        // Written unbuffered: whoever started the simulator waits for this line.
        FileHandle.standardOutput.write(Data("listening ami \(HostPort(host: address.host, port: server.port))\n".utf8))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            if let control {
                group.addTask { try await ControlSocket(path: control, simulator: simulator).run() }
            }
            let files = scenarios
            let scripts = try Self.scripts(files)
            let load = load
            let duration = duration
            group.addTask {
                guard !files.isEmpty else { return }
                await simulator.waitForLogin()
                if let load {
                    let started = await simulator.load(
                        scripts, rate: load, duration: duration.map { .milliseconds(Int64($0 * 1000)) })
                    FileHandle.standardError.write(Data("load: started \(started) calls\n".utf8))
                    return
                }
                var remaining = scripts[...]
                for (instance, file) in files.enumerated() {
                    if file.hasSuffix(".ami") {
                        await simulator.play(Array(FileManager.default.contents(atPath: file) ?? Data()))
                    } else if let script = remaining.popFirst() {
                        await simulator.play(script, instance: instance + 1)
                    }
                }
            }
            try await group.next()
            try await group.next()
        }
    }
}
