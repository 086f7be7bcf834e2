import Foundation
import Glibc
import Testing
import ZTITestKit

/// The test kit's child processes: every wait is bounded, and a child inherits nothing but fds 0 to 2.
@Suite struct ChildProcessTests {
    @Test func aChildGetsOnlyTheStandardDescriptors() throws {
        // A descriptor the runner opened without close-on-exec, as a careless test might.
        let leaky = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(leaky) }
        #expect(leaky > 2)
        // `; true` keeps the shell from exec'ing ls, so ls lists the shell's descriptors, not its own.
        let outcome = try ChildProcess.run("/bin/sh", ["-c", "ls /proc/$$/fd; true"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.split(separator: "\n") == ["0", "1", "2"])
    }

    @Test func aChildStillRunningAtTheDeadlineIsKilled() throws {
        let outcome = try ChildProcess.run("/bin/sleep", ["600"], seconds: 0.3)
        #expect(outcome.status == nil)
    }

    @Test func exitStatusesAndSignalsAreReportedAsAShellDoes() throws {
        #expect(try ChildProcess.run("/bin/sh", ["-c", "exit 78"]).status == 78)
        let child = try ChildProcess("/bin/sleep", ["600"])
        child.signal(SIGTERM)
        #expect(child.wait(seconds: 10) == 128 + SIGTERM)
        #expect(!child.isRunning)
    }

    @Test func bothOutputsAreCollectedEvenWhenOneIsLarge() throws {
        // More than a pipe holds on stderr while stdout stays open: reading one pipe to its end first would block.
        let outcome = try ChildProcess.run(
            "/bin/sh", ["-c", "head -c 300000 /dev/zero | tr '\\\\0' e >&2; echo done"])
        #expect(outcome.status == 0)
        #expect(outcome.stderr.count == 300_000)
        #expect(outcome.stdout == "done\n")
    }

    @Test func aLineIsReadWithinItsDeadline() throws {
        let child = try ChildProcess("/bin/sh", ["-c", "echo first; sleep 600"], stdout: .pipe)
        defer { child.kill() }
        #expect(child.readLine() == "first")
        #expect(child.readLine(seconds: 0.2) == nil)
    }
}
