import Glibc
import ZTIAvaya

/// A blocking DMCC client over loopback TCP for tests: sends requests with invoke IDs, reads frames with a deadline.
final class DMCCTestClient {
    let fd: Int32
    private var decoder = DMCCFrameDecoder()
    private var nextInvokeID = 0

    init?(port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status == 0 else {
            close(fd)
            return nil
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Sends `request`; returns its invoke ID.
    @discardableResult
    func send(_ request: DMCCRequest) throws -> Int {
        nextInvokeID += 1
        try write(try request.encoded(invokeID: nextInvokeID))
        return nextInvokeID
    }

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw ZTIAvayaError(.frameMalformed, "write failed") }
            offset += written
        }
    }

    /// The next frame, or nil after `seconds` or at EOF.
    func frame(seconds: Double = 5) throws -> DMCCFrame? {
        var spent = 0.0
        while spent < seconds {
            if let frame = try decoder.next() { return frame }
            var watched = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&watched, 1, 50) > 0 else {
                spent += 0.05
                continue
            }
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { return try decoder.next() }
            decoder.feed(buffer[..<count])
        }
        return nil
    }

    /// The next message that is not an event (events are collected into `events`).
    func reply(seconds: Double = 5) throws -> (Int, DMCCMessage)? {
        while let frame = try frame(seconds: seconds) {
            let message = try DMCCMessage.decode(frame)
            if frame.isEvent {
                events.append(message)
                continue
            }
            return (frame.invokeID, message)
        }
        return nil
    }

    /// Events read so far.
    var events: [DMCCMessage] = []

    /// Reads events until `count` have arrived (or `seconds` pass).
    func events(count: Int, seconds: Double = 5) throws -> [CSTAEvent] {
        while events.count < count, let frame = try frame(seconds: seconds) {
            events.append(try DMCCMessage.decode(frame))
        }
        return events.compactMap { if case .event(let event) = $0 { return event } else { return nil } }
    }

    /// Whether the server closed the connection (within `seconds`).
    func closed(seconds: Double = 5) -> Bool {
        var spent = 0.0
        while spent < seconds {
            var watched = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&watched, 1, 50) > 0 {
                var byte: UInt8 = 0
                if read(fd, &byte, 1) <= 0 { return true }
            } else {
                spent += 0.05
            }
        }
        return false
    }
}
