import Foundation
import Glibc
import Testing
import ZTITestKit

@testable import ZTISystemd

/// sd_notify and the watchdog read this process's environment, so these tests set it and run one at a time.
@Suite(.serialized) struct SystemdEnvironmentTests {
    /// A datagram socket bound at a temporary path, standing in for systemd's notify socket.
    final class NotifyReceiver {
        let directory: String
        let path: String
        let fd: Int32

        init() throws {
            directory =
                FileManager.default.temporaryDirectory.appendingPathComponent(
                    "zti-n-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
                ).path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            path = directory + "/notify.sock"
            guard let bound = TestUnixSocket.open(SOCK_DGRAM, .bind, path: path, receiveTimeout: 2) else {
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            fd = bound
        }

        deinit {
            close(fd)
            try? FileManager.default.removeItem(atPath: directory)
        }

        /// The next datagram, or nil after the timeout.
        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            return count < 0 ? nil : String(decoding: buffer[..<count], as: UTF8.self)
        }

        /// True when no datagram is waiting.
        func isEmpty() -> Bool {
            var buffer = [UInt8](repeating: 0, count: 16)
            return recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT)) < 0
        }
    }

    @Test func aDatagramSocketAtNotifySocketReceivesExactlyTheMessagesSent() throws {
        let receiver = try NotifyReceiver()
        setenv("NOTIFY_SOCKET", receiver.path, 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        let notifier = SystemdNotifier()
        #expect(try notifier.send([.ready, .status("1/1 groups ready")]))
        #expect(try notifier.send(.reloading(monotonicMicroseconds: 123_456)))
        #expect(try notifier.send(.watchdog))
        #expect(try notifier.send(.stopping))
        #expect(receiver.receive() == "READY=1\nSTATUS=1/1 groups ready")
        #expect(receiver.receive() == "RELOADING=1\nMONOTONIC_USEC=123456")
        #expect(receiver.receive() == "WATCHDOG=1")
        #expect(receiver.receive() == "STOPPING=1")
        #expect(receiver.isEmpty())
    }

    @Test func withoutNotifySocketNothingIsSent() throws {
        unsetenv("NOTIFY_SOCKET")
        #expect(try SystemdNotifier().send(.ready) == false)
    }

    @Test func aMissingNotifySocketIsAnError() throws {
        setenv("NOTIFY_SOCKET", "/nonexistent/zti/notify.sock", 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        #expect(throws: ZTISystemdError.self) { try SystemdNotifier().send(.ready) }
    }

    @Test func theWatchdogPingsAtHalfItsTimeoutForThisPidOnly() {
        setenv("WATCHDOG_USEC", "3000000", 1)
        setenv("WATCHDOG_PID", String(getpid()), 1)
        #expect(Watchdog.pingInterval() == .milliseconds(1500))
        setenv("WATCHDOG_PID", String(getpid() + 1), 1)
        #expect(Watchdog.pingInterval() == nil)
        unsetenv("WATCHDOG_USEC")
        unsetenv("WATCHDOG_PID")
        #expect(Watchdog.pingInterval() == nil)
    }
}
