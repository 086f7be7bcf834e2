import Foundation
import Glibc
import Testing
import ZTICore
import ZTITestKit

/// The uploader talks to systemd: READY=1 once its spool and socket are up, WATCHDOG=1 while it is healthy,
/// STOPPING=1 on SIGTERM. A datagram socket bound at NOTIFY_SOCKET stands in for systemd.
@Suite struct UploaderNotifyTests {
    @Test func readyWatchdogAndStopping() throws {
        let conf = try UploaderProcessTests.conf()
        let path = conf + "/notify.sock"
        let fd = try #require(TestUnixSocket.open(SOCK_DGRAM, .bind, path: path))
        defer { close(fd) }

        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = path
        environment["WATCHDOG_USEC"] = "200000"
        environment.removeValue(forKey: "WATCHDOG_PID")
        let process = try ChildProcess(
            ZTISupProcess.executable, ["uploader", "--conf", conf, "--log-target", "stderr"],
            environment: environment)

        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            return count < 0 ? nil : String(decoding: buffer[..<count], as: UTF8.self)
        }
        let ready = receive()
        #expect(ready?.hasPrefix("READY=1\nSTATUS=spool open, listening on \(conf)/run/events.sock") == true)
        #expect(receive() == "WATCHDOG=1")
        #expect(receive() == "WATCHDOG=1")
        process.signal(SIGTERM)
        var last: String?
        // Bounded: a few watchdog pings may still come before STOPPING.
        for _ in 0..<50 {
            guard let message = receive() else { break }
            last = message
            if message == "STOPPING=1" { break }
        }
        #expect(last == "STOPPING=1")
        #expect(process.wait(seconds: 10) == 0)
    }
}

/// Socket activation: systemd (here systemd-socket-activate) binds the socket and passes it as fd 3.
@Suite struct UploaderSocketActivationTests {
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-socket-activate")))
    func theUploaderServesTheSocketSystemdPasses() throws {
        let conf = try UploaderProcessTests.conf()
        let socket = conf + "/activated.sock"
        let process = try ChildProcess(
            "/usr/bin/systemd-socket-activate",
            ["-l", socket, ZTISupProcess.executable, "uploader", "--conf", conf, "--log-target", "stderr"])
        defer { process.kill() }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { usleep(20_000) }
        // systemd-socket-activate starts the service at the first connection, as systemd does.
        let supervisor = try #require(UploaderProcessTests.Supervisor(path: socket))
        let events = UploaderProcessTests.events(0..<3)
        #expect(supervisor.send(UploaderProcessTests.helloThen(events)))
        #expect(supervisor.acks(atLeast: 3).count == 3)
        #expect(!FileManager.default.fileExists(atPath: conf + "/run/events.sock"))
    }
}
