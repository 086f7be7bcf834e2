import Foundation
import Glibc
import Testing
import ZTICore
import ZTITestKit

/// A supervisor of this release meeting an uploader of protocol 1 (the previous release): the mismatch is in the
/// log and in status, and the supervisor sends it nothing that version lacks.
@Suite(.serialized) struct ProtocolVersionTests {
    /// An uploader of protocol 1 on a socket of the test's: it never says HELLO, acks every event and answers
    /// STATUS_REQUEST, and records the frame types and EVENT payloads it got.
    final class OldUploader: @unchecked Sendable {
        let lock = NSLock()
        private(set) var types: [FrameType] = []
        private(set) var eventPayloads: [String] = []
        let listener: Int32

        init?(path: String) {
            guard let fd = TestUnixSocket.open(SOCK_STREAM, .bind, path: path, receiveTimeout: nil) else { return nil }
            listen(fd, 4)
            listener = fd
            Thread.detachNewThread { [self] in
                while true {
                    let connection = accept(listener, nil, nil)
                    guard connection >= 0 else { return }
                    Thread.detachNewThread { [self] in serve(connection) }
                }
            }
        }

        deinit { close(listener) }

        private func serve(_ fd: Int32) {
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 65_536)
            var pending: [UInt8] = []
            while true {
                let count = recv(fd, &buffer, buffer.count, 0)
                guard count > 0 else { return }
                pending += buffer[..<count]
                // Frames by hand, as protocol 1 wrote them: length, type, JSON.
                while pending.count >= 5 {
                    let length = Int(pending[0]) << 24 | Int(pending[1]) << 16 | Int(pending[2]) << 8 | Int(pending[3])
                    guard pending.count >= 4 + length, let type = FrameType(rawValue: pending[4]) else { break }
                    let payload = Array(pending[5..<(4 + length)])
                    pending.removeFirst(4 + length)
                    lock.withLock {
                        types.append(type)
                        if type == .event { eventPayloads.append(String(decoding: payload, as: UTF8.self)) }
                    }
                    var reply: Frame?
                    switch type {
                    case .statusRequest: reply = .uploaderStatus(UploaderStatus())
                    case .event:
                        if let event = try? CanonicalJSON.decode(CallEvent.self, from: payload) {
                            reply = .ack(Ack(ids: [event.id]))
                        }
                    default: break
                    }
                    if let reply, let bytes = try? FrameEncoder.encode(reply) {
                        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    }
                }
            }
        }

        var seen: (types: [FrameType], payloads: [String]) { lock.withLock { (types, eventPayloads) } }
    }

    @Test func aProtocolOneUploaderIsNamedInTheLogAndStatusAndGetsOnlyWhatItKnows() throws {
        let (simulator, port) = try SupervisorProcessTests.ringGroupLoad()
        defer { simulator.kill() }
        let socket = FileManager.default.temporaryDirectory.appendingPathComponent("zti-old-\(getpid()).sock").path
        unlink(socket)
        let uploader = try #require(OldUploader(path: socket))
        let conf = try SupervisorProcessTests.conf(
            port: port, extra: "uploader.spawn = false\nuploader.socket = \(socket)\nopen.timeout = 300ms\n")
        let run = try SupervisorProcessTests.Run(conf: conf)
        defer { run.process.kill() }
        #expect(run.wait(for: "the uploader speaks protocol 1 and this supervisor \(WireProtocol.version)"))
        let report = try run.status { SupervisorProcessTests.group($0)["state"] as? String == "connected" }
        let entry = report["uploader"] as? [String: Any]
        #expect(entry?["protocolVersion"] as? Int == 1)
        #expect((entry?["protocolMismatch"] as? String)?.contains("upgrade both to the same release") == true)
        #expect(try ZTISupProcess.run(["status", "--conf", conf]).status == 1)
        let deadline = Deadline(seconds: 15)
        while uploader.seen.payloads.count < 3, !deadline.passed { usleep(100_000) }
        let seen = uploader.seen
        #expect(seen.payloads.count >= 3)
        // Only frame types protocol 1 has, and every EVENT the bare canonical event (no resume key).
        #expect(Set(seen.types).isSubset(of: [.hello, .event, .statusRequest, .dialResult]), "\(Set(seen.types))")
        #expect(
            seen.payloads.allSatisfy { !$0.contains("resumeKey") && $0.hasPrefix("{\"") && !$0.hasPrefix("{\"event\"") }
        )
    }
}
