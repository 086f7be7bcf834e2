import Foundation
import Testing
import ZTICore
import ZTITestKit

/// The systemd units in `units/`, checked offline as the reference says: `systemd-analyze verify` must print
/// nothing (it exits 0 on many errors), and every service's exposure must be 2.0 or less.
@Suite(.serialized) struct UnitFileTests {
    static let analyze = "/usr/bin/systemd-analyze"
    static let units = ZTISupProcess.repositoryRoot + "/units"

    /// The units copied to a temporary directory with their binary paths pointing at the built `ztisup`.
    static func staged() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zti-units-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: units)
        where [".service", ".socket", ".target"].contains(where: name.hasSuffix) {
            let text = try String(contentsOfFile: units + "/" + name, encoding: .utf8)
                .replacingOccurrences(of: "/usr/bin/ztisup", with: ZTISupProcess.executable)
            try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }
        return directory
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: analyze)))
    func everyUnitVerifiesWithoutAWord() throws {
        let directory = try Self.staged()
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(
            names == [
                "ztisup-uploader.service", "ztisup-uploader.socket", "ztisup.service", "ztisup.target",
                "ztisup@.service",
            ])
        for name in names {
            let outcome = try ChildProcess.run(Self.analyze, ["verify", directory + "/" + name])
            #expect(outcome.status == 0, "\(name): \(outcome.stderr)")
            #expect(outcome.stderr.isEmpty && outcome.stdout.isEmpty, "\(name): \(outcome.stdout)\(outcome.stderr)")
        }
        // An instance of the template verifies through a symlink, as systemd would load it.
        try FileManager.default.createSymbolicLink(
            atPath: directory + "/ztisup@sales.service", withDestinationPath: directory + "/ztisup@.service")
        let instance = try ChildProcess.run(Self.analyze, ["verify", directory + "/ztisup@sales.service"])
        #expect(instance.stderr.isEmpty, "\(instance.stderr)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: analyze)))
    func everyServiceIsExposedAt2OrLess() throws {
        let directory = try Self.staged()
        for name in ["ztisup.service", "ztisup@.service", "ztisup-uploader.service"] {
            let outcome = try ChildProcess.run(
                Self.analyze, ["security", "--offline=yes", "--threshold=20", directory + "/" + name])
            #expect(outcome.status == 0, "\(name): \(outcome.stdout.suffix(300))\(outcome.stderr)")
            #expect(outcome.stdout.contains("Overall exposure level for"), "\(name): \(outcome.stdout.suffix(300))")
        }
    }

    /// The workers write captures to `<state.dir>/captures`: under `ProtectSystem=strict` the supervisor units
    /// must make exactly that directory of the default `state.dir` writable.
    @Test func theSupervisorUnitsMakeTheDefaultCaptureDirectoryWritable() throws {
        let conf = try UploaderProcessTests.conf()
        try "crm.sink = none\n".write(toFile: conf + "/zti.properties", atomically: true, encoding: .utf8)
        let global = try ConfigurationLoader.load(confDir: conf).global
        #expect(global.stateDir == "/var/lib/ztisup")
        for name in ["ztisup.service", "ztisup@.service"] {
            let lines = try String(contentsOfFile: Self.units + "/" + name, encoding: .utf8).split(separator: "\n")
            #expect(lines.contains("StateDirectory=ztisup/captures"), "\(name)")
            #expect(lines.contains("ProtectSystem=strict"), "\(name)")
        }
    }
}
