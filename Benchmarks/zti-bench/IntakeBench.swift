import Foundation
import Glibc
import Logging
import ZTICore
import ZTITestKit
import ZTIUploader

/// The uploader's intake: events sent over the real Unix socket, committed to a real SQLite spool in batched
/// transactions, and acked; a sender keeps a window of frames in flight, as a supervisor does.
enum IntakeBench {
    static func run(events count: Int) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zti-intake-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Spool(path: directory + "/spool/spool.sqlite")
        let intake = try await EventIntake.bind(
            path: directory + "/events.sock", spool: spool, logger: Logger(label: "bench"))
        let server = Task { try await intake.run() }
        defer { server.cancel() }

        guard let fd = TestUnixSocket.open(SOCK_STREAM, .connect, path: directory + "/events.sock", receiveTimeout: nil)
        else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        let frames = try (0..<count).map { index -> [UInt8] in
            try FrameEncoder.encode(
                .event(
                    CallEvent(
                        group: "bench", pbx: .asterisk, callId: "1.\(index / 3)", direction: .inbound,
                        state: [CallState.ringing, .answered, .ended][index % 3], extension: "101", attempt: 1,
                        at: EventTime(millisecondsSinceEpoch: Int64(index)), from: "0312345678"),
                    resumeKey: nil))
        }
        // A supervisor names its groups first.
        let hello = try FrameEncoder.encode(.hello(Hello(role: .supervisor, pid: getpid(), groups: ["bench"])))
        _ = hello.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        let clock = ContinuousClock.now
        var decoder = FrameDecoder(receiver: .supervisor, sender: .uploader)
        var acked = 0
        var sent = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while acked < count {
            // Keep up to 2,000 events in flight.
            while sent < count && sent - acked < 2000 {
                let chunk = frames[sent..<min(count, sent + 500)].flatMap { $0 }
                _ = chunk.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
                sent = min(count, sent + 500)
            }
            let received = recv(fd, &buffer, buffer.count, 0)
            guard received > 0 else { break }
            decoder.feed(buffer[..<received])
            while case .ack(let ack)? = try decoder.next() { acked += ack.ids.count }
        }
        let seconds = ZTIBench.seconds(ContinuousClock.now - clock)
        print(
            String(
                format: "uploader intake over the socket, committed then acked: %.0f events/s (%d events)",
                Double(acked) / seconds, acked))
        ZTIBench.figure("intake_events_per_s", Double(acked) / seconds)
    }
}
