import Testing

@testable import ZTISystemd

@Suite struct NotifyMessageTests {
    @Test func assignments() {
        #expect(NotifyMessage.ready.assignments == ["READY=1"])
        #expect(NotifyMessage.reloading(monotonicMicroseconds: 42).assignments == ["RELOADING=1", "MONOTONIC_USEC=42"])
        #expect(NotifyMessage.stopping.assignments == ["STOPPING=1"])
        #expect(NotifyMessage.watchdog.assignments == ["WATCHDOG=1"])
        #expect(NotifyMessage.errno(78).assignments == ["ERRNO=78"])
        #expect(NotifyMessage.extendTimeout(microseconds: 5).assignments == ["EXTEND_TIMEOUT_USEC=5"])
    }

    @Test func statusIsOneLine() {
        #expect(
            NotifyMessage.status("2/3 groups ready\npbx3 FAILED\r\nx").assignments == [
                "STATUS=2/3 groups ready pbx3 FAILED x"
            ])
    }

    @Test func theMonotonicClockMoves() {
        let first = SystemdNotifier.monotonicMicroseconds()
        let second = SystemdNotifier.monotonicMicroseconds()
        #expect(first > 0)
        #expect(second >= first)
    }
}
