import ArgumentParser
import Foundation
import ZTIAvaya
import ZTICore
import ZTIPBXSim

/// `zti-pbxsim aes`: an Avaya AES speaking DMCC XML, with CM-like calls played from scenario files.
struct AESCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aes",
        abstract: "Serve DMCC XML like Avaya AES (sessions, monitors, MakeCall) and play AES scenario files.",
        discussion: """
            The first line on stdout says where it listens: "listening aes HOST:PORT" (or "listening aes-tls"). \
            Scenarios (steps such as "at 4 answer c1 3201"; see AESScenario) are played once the first monitor \
            is up, --speed times faster. --load N starts N scenario calls per second, in turn, for --duration \
            seconds. With --control PATH a Unix socket takes JSON-line commands: \
            {"command":"play","file":"..."}, {"command":"drop"}, {"command":"stall","seconds":5}, \
            {"command":"garbage"}, {"command":"expire"}. --capture FILE appends every frame, both ways, with the \
            password redacted (ztisup replay --pbx avaya reads it).
            """)

    @Option(help: "HOST:PORT to listen on (port 0 picks a free port).")
    var listen: String = "127.0.0.1:4721"

    @Option(help: "A PEM certificate chain: serve TLS (with --tls-key), as AES does on 4722.")
    var tlsCert: String?

    @Option(help: "The PEM key of --tls-cert.")
    var tlsKey: String?

    @Option(help: "The CTI user clients must log in as.")
    var username: String = "ctiuser"

    @Option(help: "The CTI user's password (a file with --password-file).")
    var password: String = "secret"

    @Option(help: "A file holding the password (a trailing line break is ignored).")
    var passwordFile: String?

    @Option(name: .customLong("switch"), help: "The switch connection name.")
    var switchName: String = "CM1"

    @Option(help: "The stations CM knows: numbers and ranges, e.g. 3201-3210,3300.")
    var extensions: String = "3201-3210"

    @Option(help: "The stations the CTI user may monitor (SDB); default: all known.")
    var permitted: String?

    @Option(help: "TSAPI licences: monitors that can run at once.")
    var licences: Int = 100

    @Option(name: .customLong("scenario"), help: "An AES scenario file to play; repeatable, played in order.")
    var scenarios: [String] = []

    @Option(help: "Scenario time runs this many times faster than real time.")
    var speed: Double = 1

    @Option(help: "Start this many scenario calls per second, taking the --scenario files in turn (load test).")
    var load: Double?

    @Option(help: "With --load: stop starting calls after this many seconds (default: until stopped).")
    var duration: Double?

    @Option(help: "A Unix socket path for JSON-line fault and playback commands.")
    var control: String?

    @Option(help: "Append every frame, both ways, to this file.")
    var capture: String?

    static func numbers(_ list: String, option: String) throws -> Set<String> {
        var result: Set<String> = []
        for part in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            let bounds = part.split(separator: "-").map(String.init)
            if bounds.count == 2, let low = Int(bounds[0]), let high = Int(bounds[1]), low <= high, high - low < 100_000
            {
                for number in low...high { result.insert(String(number)) }
            } else if bounds.count == 1, part.allSatisfy(\.isNumber) {
                result.insert(part)
            } else {
                throw ValidationError("--\(option) \(part): expected a number or a range such as 3201-3210")
            }
        }
        return result
    }

    func validate() throws {
        guard ConfigValueParser.hostPort(listen) != nil else {
            throw ValidationError("--listen \(listen): expected HOST:PORT, e.g. 127.0.0.1:0")
        }
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        guard speed > 0 else { throw ValidationError("--speed \(speed): expected a positive number") }
        _ = try Self.numbers(extensions, option: "extensions")
        if let permitted { _ = try Self.numbers(permitted, option: "permitted") }
        _ = try Self.scripts(scenarios)
        if let load, load <= 0 || load > 10_000 {
            throw ValidationError("--load \(load): expected 0 < calls/s <= 10000")
        }
        if load != nil && scenarios.isEmpty { throw ValidationError("--load needs --scenario files") }
    }

    static func scripts(_ files: [String]) throws -> [AESScenario] {
        try files.map { file in
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ValidationError("--scenario \(file): cannot read the file")
            }
            do {
                return try AESScenario(String(decoding: data, as: UTF8.self))
            } catch {
                throw ValidationError("--scenario \(file): \(error)")
            }
        }
    }

    func run() async throws {
        var secret = password
        if let passwordFile {
            guard let data = FileManager.default.contents(atPath: passwordFile) else {
                throw ValidationError("--password-file \(passwordFile): cannot read the file")
            }
            secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
        }
        let address = ConfigValueParser.hostPort(listen)!
        let options = AESSimulatorOptions(
            username: username, password: secret, switchName: switchName,
            extensions: try Self.numbers(extensions, option: "extensions"),
            permitted: try permitted.map { try Self.numbers($0, option: "permitted") }, licences: licences)
        let simulator = AESSimulator(options: options)
        if let capture { try await simulator.capture(to: capture) }
        let tls = try tlsCert.map { try AESSimulatorServer.tlsContext(certificate: $0, key: tlsKey ?? "") }
        let server = try await AESSimulatorServer.bind(
            host: address.host, port: address.port, simulator: simulator, tls: tls)
        let kind = tls == nil ? "aes" : "aes-tls"
        FileHandle.standardOutput.write(
            Data("listening \(kind) \(HostPort(host: address.host, port: server.port))\n".utf8))
        let scripts = try Self.scripts(scenarios)
        let speed = speed
        let load = load
        let duration = duration
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            if let control {
                group.addTask {
                    try await JSONLineControl(path: control) { command in
                        await Self.perform(command, simulator: simulator, speed: speed)
                    }.run()
                }
            }
            group.addTask {
                guard !scripts.isEmpty else { return }
                while await simulator.monitorCount == 0 { try await Task.sleep(for: .milliseconds(50)) }
                guard let load else {
                    for script in scripts { await simulator.play(script, speed: speed) }
                    return
                }
                let start = ContinuousClock.now
                var started = 0
                while !Task.isCancelled {
                    if let duration, ContinuousClock.now - start >= .milliseconds(Int64(duration * 1000)) { break }
                    let script = scripts[started % scripts.count]
                    Task { await simulator.play(script, speed: speed) }
                    started += 1
                    try await Task.sleep(until: start + .milliseconds(Int64(Double(started) * 1000 / load)))
                }
                FileHandle.standardError.write(Data("load: started \(started) calls\n".utf8))
            }
            try await group.next()
            try await group.next()
        }
    }

    static func perform(_ command: [String: Any], simulator: AESSimulator, speed: Double) async -> String? {
        switch command["command"] as? String {
        case "play":
            guard let file = command["file"] as? String, let data = FileManager.default.contents(atPath: file) else {
                return "play needs a readable \"file\""
            }
            do {
                let scenario = try AESScenario(String(decoding: data, as: UTF8.self))
                Task { await simulator.play(scenario, speed: speed) }
                return nil
            } catch {
                return "\(file): \(error)"
            }
        case "drop": await simulator.drop()
        case "stall": await simulator.stall(for: .milliseconds(Int64(((command["seconds"] as? Double) ?? 5) * 1000)))
        case "garbage": await simulator.garbage()
        case "expire": await simulator.expireAllTimers()
        default: return "unknown command; expected play, drop, stall, garbage or expire"
        }
        return nil
    }
}
