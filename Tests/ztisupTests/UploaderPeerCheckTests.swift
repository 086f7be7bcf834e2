import Foundation
import Glibc
import Testing
import ZTITestKit

/// The uploader's peer check on its event socket: a client process started with other credentials (`setpriv`)
/// connects, and the real uploader admits it only through membership of `uploader.peer.group`.
@Suite(.serialized) struct UploaderPeerCheckTests {
    /// The gid of `name` as `/etc/group` lists it, read independently of the code under test.
    static func groupID(_ name: String) throws -> UInt32 {
        let lines = try String(contentsOfFile: "/etc/group", encoding: .utf8).split(separator: "\n")
        let fields = try #require(
            lines.map { $0.split(separator: ":", omittingEmptySubsequences: false) }
                .first { $0.first.map(String.init) == name })
        return try #require(UInt32(fields[2]))
    }

    /// Connects to `socket` as uid/gid 65534 holding `groups`, and sends a few bytes (curl's request line).
    static func connect(to socket: String, groups: [UInt32]) throws {
        let client = try ChildProcess(
            "/usr/bin/setpriv",
            [
                "--reuid=65534", "--regid=65534", "--groups=" + groups.map(String.init).joined(separator: ","),
                "curl", "-s", "-m", "3", "--unix-socket", socket, "http://zti/",
            ])
        client.wait(seconds: 10)
    }

    @Test(.enabled(if: geteuid() == 0, "setpriv must switch users")) func onlyMembersOfThePeerGroupGetIn() throws {
        let daemon = try Self.groupID("daemon")
        let conf = try UploaderProcessTests.conf("uploader.peer.group = daemon\n")
        let uploader = try UploaderProcessTests.Uploader(conf: conf)
        defer { uploader.kill() }
        #expect(uploader.wait(for: "members of group daemon (gid \(daemon))"))
        #expect(uploader.wait(for: "listening unix"))
        // Open the filesystem gate (0750 directory, 0660 socket) so that the peer check is what decides.
        chmod(conf + "/run", 0o755)
        chmod(conf + "/run/events.sock", 0o666)

        try Self.connect(to: conf + "/run/events.sock", groups: [daemon])
        // Admitted: the HTTP bytes reach the frame decoder, which closes the connection.
        #expect(uploader.wait(for: "closing a supervisor connection"))
        #expect(!uploader.log.contains("refused a connection"))

        try Self.connect(to: conf + "/run/events.sock", groups: [65534])
        #expect(uploader.wait(for: "uid 65534: not root, not the uploader's user, not in group daemon"))
    }

    @Test func aMalformedPeerGroupIsAConfigurationError() throws {
        let conf = try UploaderProcessTests.conf("uploader.peer.group = ztisup ev\n")
        let result = try ZTISupProcess.run(["check-config", "--conf", conf])
        #expect(result.status == 78)
        #expect(result.stderr.contains("uploader.peer.group"))
        #expect(result.stderr.contains("expected a Unix group name"))
    }
}
