import Foundation
import Glibc
import Testing
import ZTITestKit

/// `bin/install.sh --root STAGE`: the files land where systemd and the commands look, `systemctl --root` enables
/// the whole set through `Also=`, and a second install keeps what the administrator changed.
@Suite(.serialized) struct InstallScriptTests {
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemctl")))
    func aStagedInstallEnablesTheUnitsAndKeepsExistingFiles() throws {
        let stage = FileManager.default.temporaryDirectory.appendingPathComponent("zti-stage-\(UUID().uuidString)").path
        let binaries = (ZTISupProcess.executable as NSString).deletingLastPathComponent
        let script = ZTISupProcess.repositoryRoot + "/bin/install.sh"
        let first = try ChildProcess.run(script, ["--root", stage, "--bin", binaries])
        #expect(first.status == 0, "\(first.stderr)")
        for path in [
            "/usr/bin/ztisup", "/usr/bin/ztisup-worker", "/usr/lib/systemd/system/ztisup.service",
            "/usr/lib/systemd/system/ztisup@.service",
            "/usr/lib/systemd/system/ztisup-uploader.service", "/usr/lib/systemd/system/ztisup-uploader.socket",
            "/usr/lib/systemd/system/ztisup.target", "/usr/lib/sysusers.d/ztisup.conf",
            "/usr/lib/tmpfiles.d/ztisup.conf", "/etc/ztisup/zti.properties", "/etc/ztisup/groups/demo.properties",
            "/usr/bin/zti-pbxsim", "/usr/share/doc/ztisup/examples/groups/demo.properties",
            "/usr/share/doc/ztisup/examples/groups/demo-avaya.properties",
        ] {
            #expect(FileManager.default.fileExists(atPath: stage + path), "\(path)")
        }
        // The installed configuration is valid and uses the system's directories, not the demo's.
        let check = try ZTISupProcess.run(["check-config", "--conf", stage + "/etc/ztisup"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("click-to-dial listener: 127.0.0.1:8765"))

        // The distribution's targets, so that enabling reports nothing but the links it made.
        for target in ["multi-user.target", "sockets.target"] {
            let source = "/lib/systemd/system/" + target
            if FileManager.default.fileExists(atPath: source) {
                try FileManager.default.copyItem(atPath: source, toPath: stage + "/usr/lib/systemd/system/" + target)
            }
        }
        let enable = try ChildProcess.run("/usr/bin/systemctl", ["--root", stage, "enable", "ztisup.service"])
        #expect(enable.status == 0, "\(enable.stderr)")
        let lines = (enable.stdout + enable.stderr).split(separator: "\n")
        #expect(lines.allSatisfy { $0.hasPrefix("Created symlink") }, "\(lines)")
        for link in [
            "multi-user.target.wants/ztisup.target", "sockets.target.wants/ztisup-uploader.socket",
            "ztisup.target.wants/ztisup.service", "ztisup.target.wants/ztisup-uploader.service",
        ] {
            #expect(
                (try? FileManager.default.destinationOfSymbolicLink(atPath: stage + "/etc/systemd/system/" + link))
                    != nil, "\(link)")
        }

        // A second install never overwrites the administrator's files.
        try "crm.sink = none\n# edited\n".write(
            toFile: stage + "/etc/ztisup/zti.properties", atomically: true, encoding: .utf8)
        let second = try ChildProcess.run(script, ["--root", stage, "--bin", binaries])
        #expect(second.status == 0)
        #expect(second.stdout.contains("kept \(stage)/etc/ztisup/zti.properties (it exists)"))
        #expect(
            try String(contentsOfFile: stage + "/etc/ztisup/zti.properties", encoding: .utf8)
                == "crm.sink = none\n# edited\n")
    }

    /// `--no-demo` stages what the Debian package ships: no simulator, no group (so the check asks for one), the
    /// example groups to start from, and a group made from the example passes the check.
    @Test func aStageWithoutTheDemoHasNoGroupButTheExamples() throws {
        let stage = FileManager.default.temporaryDirectory.appendingPathComponent("zti-stage-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: stage) }
        let binaries = (ZTISupProcess.executable as NSString).deletingLastPathComponent
        let script = ZTISupProcess.repositoryRoot + "/bin/install.sh"
        let install = try ChildProcess.run(script, ["--root", stage, "--bin", binaries, "--no-demo"])
        #expect(install.status == 0, "\(install.stderr)")
        #expect(!FileManager.default.fileExists(atPath: stage + "/usr/bin/zti-pbxsim"))
        #expect(FileManager.default.fileExists(atPath: stage + "/usr/bin/ztisup"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: stage + "/etc/ztisup/groups").isEmpty)

        let empty = try ZTISupProcess.run(["check-config", "--conf", stage + "/etc/ztisup"])
        #expect(empty.status == 78)
        #expect(empty.stderr.contains("no group files"), "\(empty.stderr)")

        try FileManager.default.copyItem(
            atPath: stage + "/usr/share/doc/ztisup/examples/groups/demo.properties",
            toPath: stage + "/etc/ztisup/groups/sales.properties")
        let configured = try ZTISupProcess.run(["check-config", "--conf", stage + "/etc/ztisup"])
        #expect(configured.status == 0, "\(configured.stderr)")
        #expect(configured.stdout.contains("sales"), "\(configured.stdout)")

        // The uploader's user reads /etc/ztisup (root:ztisup 0750) through its membership of group ztisup.
        let sysusers = try String(contentsOfFile: stage + "/usr/lib/sysusers.d/ztisup.conf", encoding: .utf8)
        #expect(sysusers.split(separator: "\n").contains("m ztisup-up ztisup"))
    }
}
