import Foundation
import Logging
import Testing
import ZTICore
import ZTIPBXSim
import ZTITestKit

@testable import ZTIAsterisk

/// `check-config --connect` for Asterisk against the AMI simulator over loopback, with each thing it checks wrong.
@Suite(.timeLimit(.minutes(2))) struct AsteriskPreflightTests {
    struct Setup {
        var family = AMIFamily.v12
        var writeClasses: Set<String>?
        var hints: Set<String>?
        var timestampEvents = true
        var secret = "secret"
        var listening = true
    }

    /// Writes a group for a simulator on `port` (members 101 and 102) into `directory`, and loads it.
    static func group(port: Int, secret: String, in directory: URL) throws -> GroupConfig {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let secretFile = directory.appendingPathComponent("pbx.secret")
        try secret.write(to: secretFile, atomically: true, encoding: .utf8)
        chmod(secretFile.path, 0o600)
        let file = directory.appendingPathComponent("sales.properties")
        try """
        pbx.type = asterisk
        pbx.host = 127.0.0.1
        pbx.port = \(port)
        pbx.username = zti
        pbx.password.file = pbx.secret
        user.alice.crmuser = 1
        user.alice.extension = 101
        user.bob.crmuser = 2
        user.bob.extension = 102
        """.write(to: file, atomically: true, encoding: .utf8)
        return try ConfigurationLoader.loadGroupFile(path: file.path).0
    }

    static func run(_ setup: Setup) async throws -> [PreflightCheck] {
        var options = AMISimulatorOptions(family: setup.family, writeClasses: setup.writeClasses, speed: 1000)
        options.timestampEvents = setup.timestampEvents
        options.hintedExtensions = setup.hints
        let server = try await AMISimulatorServer.bind(
            host: "127.0.0.1", port: 0, simulator: AMISimulator(options: options))
        let task = Task { try? await server.run() }
        defer { task.cancel() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zti-pre-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let group = try group(
            port: setup.listening ? server.port : try LoopbackPort.unused(), secret: setup.secret, in: directory)
        var settings = try AMIClientSettings(group: group)
        settings.replyTimeout = .seconds(10)
        return await AsteriskPreflight.run(
            group: group, client: AMIClient(settings: settings, logger: Logger(label: "t")))
    }

    static func failures(_ checks: [PreflightCheck]) -> [String] {
        checks.filter { $0.outcome == .fail }.map(\.text)
    }

    @Test(arguments: ["1.4", "11", "12"])
    func theRightUserPassesEveryCheck(familyName: String) async throws {
        let checks = try await Self.run(Setup(family: AMIFamily(rawValue: familyName)!))
        #expect(Self.failures(checks).isEmpty)
        let passed = checks.filter { $0.outcome == .pass }.map(\.text)
        #expect(passed.contains { $0.hasPrefix("AMI login as zti on 127.0.0.1:") })
        #expect(
            passed.contains {
                $0.contains("family \(familyName == "12" ? "12+" : familyName == "11" ? "1.6–11" : "1.4")")
            })
        #expect(passed.contains { $0.contains("write class '\(familyName == "1.4" ? "call" : "originate")'") })
        #expect(passed.contains { $0.contains("lists the 0 channels up") })
        #expect(passed.contains { $0 == "extensions: all 2 have a device hint in context from-internal" })
        // 1.4 sends no FullyBooted: no event came, and the check says it cannot tell.
        #expect(
            passed.contains { $0.hasPrefix("timestampevents = yes") }
                == (familyName != "1.4"))
        #expect(checks.last?.text.hasPrefix("read classes") == true)
    }

    @Test func aMissingOriginateClassFailsClickToDial() async throws {
        let failures = Self.failures(try await Self.run(Setup(writeClasses: ["reporting"])))
        #expect(failures.count == 1)
        #expect(failures.first?.hasPrefix("write class 'originate' missing: click-to-dial cannot place calls") == true)
    }

    @Test func aMissingReportingClassFailsTheResync() async throws {
        let checks = try await Self.run(Setup(writeClasses: ["originate"]))
        let failures = Self.failures(checks)
        #expect(failures.contains { $0.hasPrefix("CoreSettings refused: the AMI user lacks") })
        #expect(failures.contains { $0.hasPrefix("CoreShowChannels refused: the AMI user lacks the 'reporting'") })
        #expect(checks.contains { $0.outcome == .note && $0.text.hasPrefix("extensions not checked") })
    }

    @Test func anExtensionWithoutAHintIsNamed() async throws {
        let failures = Self.failures(try await Self.run(Setup(hints: ["101"])))
        #expect(failures.count == 1)
        #expect(
            failures.first?.hasPrefix("extensions without a device hint in context from-internal (1 of 2): 102;")
                == true)
    }

    @Test func eventsWithoutTimestampsAreANote() async throws {
        let checks = try await Self.run(Setup(timestampEvents: false))
        #expect(Self.failures(checks).isEmpty)
        #expect(checks.contains { $0.outcome == .note && $0.text.hasPrefix("timestampevents is off") })
    }

    @Test func aWrongPasswordIsTheOnlyLineAndSaysWhatToCheck() async throws {
        let checks = try await Self.run(Setup(secret: "wrong"))
        #expect(checks.count == 1)
        #expect(checks.first?.outcome == .fail)
        #expect(checks.first?.text.contains("refused") == true)
        #expect(checks.first?.text.contains("check pbx.username and the password file") == true)
    }

    @Test func nothingListeningSaysWhereToLook() async throws {
        let checks = try await Self.run(Setup(listening: false))
        #expect(checks.count == 1)
        #expect(checks.first?.outcome == .fail)
        #expect(checks.first?.text.contains("check pbx.host and pbx.port") == true)
    }
}
