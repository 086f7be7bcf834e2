import Foundation
import Glibc
import Logging
import ZTICore
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

        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in (directory + "/events.sock").utf8.enumerated() { raw[index] = byte }
        }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        let frames = try (0..<count).map { index -> [UInt8] in
            try FrameEncoder.encode(
                .event(
                    CallEvent(
                        group: "bench", pbx: .asterisk, callId: "1.\(index / 3)", direction: .inbound,
                        state: [CallState.ringing, .answered, .ended][index % 3], extension: "101", attempt: 1,
                        at: EventTime(millisecondsSinceEpoch: Int64(index)), from: "0312345678")))
        }
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
    }
}
