import Foundation
import Testing

/// A real `systemd-journald`, started by hand in a private mount namespace with a tmpfs on `/run` (libsystemd
/// always writes to `/run/systemd/journal/socket`), receives an entry from the real binary's log handler, and
/// `journalctl -o json` reads it back.
@Suite(.serialized) struct JournaldIntegrationTests {
    static let journald = "/lib/systemd/systemd-journald"

    /// Why the test cannot run here, or nil when it can.
    static var missingPrerequisite: String? {
        if getuid() != 0 { return "it needs root (unshare --mount and a tmpfs on /run)" }
        if !FileManager.default.fileExists(atPath: "/etc/machine-id") { return "/etc/machine-id is missing" }
        if !FileManager.default.isExecutableFile(atPath: journald) {
            return "\(journald) is missing (apt-get install systemd)"
        }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") {
            return "unshare is missing (util-linux)"
        }
        return nil
    }

    @Test(
        .enabled(if: missingPrerequisite == nil, "skipped: \(missingPrerequisite ?? "")"),
        .timeLimit(.minutes(1)))
    func theLogHandlerWritesToARealJournal() throws {
        let script = """
            set -e
            mount -t tmpfs tmpfs /run
            if [ -d /var/log/journal ]; then mount -t tmpfs tmpfs /var/log/journal; fi
            timeout 60 \(Self.journald) & jpid=$!
            for i in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
            "$ZTISUP" log-probe --log-target journal --identifier ztisup-test --level warning \\
                --field group=pbx1 --field callId=1732.42 --field sl-service=lifecycle 'worker pbx1 exited\\nstatus 1'
            "$ZTISUP" log-probe --log-target journal --identifier ztisup-test --level debug 'second entry'
            journalctl --sync
            journalctl -o json --no-pager SYSLOG_IDENTIFIER=ztisup-test
            kill $jpid
            """
        var environment = ProcessInfo.processInfo.environment
        environment["ZTISUP"] = ZTISupProcess.executable
        let outcome = try ZTISupProcess.run(
            ["--mount", "--propagation", "private", "/bin/sh", "-c", script], executable: "/usr/bin/unshare",
            environment: environment)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let entries = try outcome.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(entries.count == 2)
        let first = try #require(entries.first)
        #expect(Self.text(first["MESSAGE"]) == "worker pbx1 exited\nstatus 1")
        #expect(Self.text(first["PRIORITY"]) == "4")
        #expect(Self.text(first["ZTI_GROUP"]) == "pbx1")
        #expect(Self.text(first["ZTI_CALL_ID"]) == "1732.42")
        #expect(Self.text(first["ZTI_SL_SERVICE"]) == "lifecycle")
        #expect(Self.text(first["_TRANSPORT"]) == "journal")
        #expect(Self.text(first["CODE_FILE"]) == "ztisup/LogProbe.swift")
        #expect(Self.text(entries.last?["PRIORITY"]) == "7")
    }

    /// journalctl writes a field as a string, or as an array of bytes when it is not printable text.
    static func text(_ value: Any?) -> String? {
        if let string = value as? String { return string }
        if let bytes = value as? [Int] { return String(decoding: bytes.map(UInt8.init), as: UTF8.self) }
        return nil
    }
}
