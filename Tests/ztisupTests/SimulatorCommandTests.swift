import Foundation
import Glibc
import Testing
import ZTITestKit

/// `zti-pbxsim ami` as a stand-alone process: it says where it listens, greets with the family's banner,
/// and enforces the login.
@Suite struct SimulatorCommandTests {
    static var simulator: String {
        URL(fileURLWithPath: ZTISupProcess.executable).deletingLastPathComponent().appendingPathComponent("zti-pbxsim")
            .path
    }

    /// Starts the simulator, reads its first stdout line, and returns the process and the port.
    static func start(_ arguments: [String]) throws -> (ChildProcess, Int) {
        let process = try ChildProcess(simulator, ["ami", "--listen", "127.0.0.1:0"] + arguments, stdout: .pipe)
        let text = process.readLine() ?? ""
        guard text.hasPrefix("listening ami 127.0.0.1:"), let port = Int(text.split(separator: ":").last ?? "") else {
            process.kill()
            throw POSIXError(.EPROTO)
        }
        return (process, port)
    }

    /// Connects, sends `request`, and reads until `until` appears or 5 s pass.
    static func exchange(port: Int, request: String, until: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var received = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !received.contains(until) {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            received += String(decoding: buffer[..<count], as: UTF8.self)
        }
        return received
    }

    @Test(arguments: [("1.4", "1.0"), ("11", "1.3"), ("12", "7.0.3")])
    func itGreetsWithTheFamilysBannerAndChecksTheLogin(family: String, version: String) throws {
        let (process, port) = try Self.start(["--family", family, "--secret", "s3cret"])
        defer { process.kill() }
        let accepted = try Self.exchange(
            port: port, request: "Action: Login\r\nActionID: 1\r\nUsername: zti\r\nSecret: s3cret\r\n\r\n",
            until: "Authentication")
        #expect(accepted.hasPrefix("Asterisk Call Manager/\(version)\r\n"))
        #expect(accepted.contains("Response: Success\r\nActionID: 1\r\nMessage: Authentication accepted\r\n"))
        let refused = try Self.exchange(
            port: port, request: "Action: Login\r\nActionID: 2\r\nUsername: zti\r\nSecret: wrong\r\n\r\n",
            until: "Authentication")
        #expect(refused.contains("Response: Error\r\nActionID: 2\r\nMessage: Authentication failed\r\n"))
    }

    @Test func badArgumentsAreUsageErrors() throws {
        let outcome = try ChildProcess.run(Self.simulator, ["ami", "--family", "13"])
        #expect(outcome.status == 64)
        let text = outcome.stderr
        #expect(text.contains("--family 13: expected 1.4, 11 or 12"))
    }

    @Test func theControlSocketAnswersEveryCommandWithAJSONObject() throws {
        let control = FileManager.default.temporaryDirectory.appendingPathComponent("zti-ctl-\(UUID().uuidString)").path
        let (process, _) = try Self.start(["--family", "12", "--control", control])
        defer { process.kill() }
        for _ in 0..<50 where !FileManager.default.fileExists(atPath: control) { usleep(20_000) }
        func reply(_ json: String) throws -> [String: Any] {
            let line = ZTISupProcess.controlCommand(json, socket: control)
            return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(try reply(#"{"command":"originate","member":"answer","customer":"busy"}"#)["ok"] as? Bool == true)
        let incomplete = try reply(#"{"command":"originate","member":"answer"}"#)
        #expect(incomplete["ok"] as? Bool == false)
        #expect(incomplete["error"] as? String == #"originate needs "member" and "customer": answer, noanswer or busy"#)
        #expect(
            try reply(#"{"command":"fly"}"#)["error"] as? String
                == "unknown command; expected play, originate, drop, stall, garbage or restart")
        #expect(try reply("[1]")["error"] as? String == "expected a JSON object")
    }

    @Test func theAESSimulatorRefusesABadExtensionList() throws {
        let outcome = try ChildProcess.run(Self.simulator, ["aes", "--extensions", "3201-x"])
        #expect(outcome.status == 64)
        #expect(outcome.stderr.contains("--extensions 3201-x: expected a number or a range such as 3201-3210"))
    }
}
