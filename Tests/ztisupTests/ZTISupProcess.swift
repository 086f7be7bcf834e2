import Foundation
import Glibc
import ZTITestKit

/// Runs the real `ztisup` binary built beside the test bundle and captures what it printed.
struct ZTISupProcess {
    /// The `ztisup` executable in the build directory of the running tests.
    static var executable: String {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // The runner is <build>/ztisupPackageTests.xctest, or a file inside that folder on some layouts.
        if directory.lastPathComponent.hasSuffix(".xctest") { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent("ztisup").path
    }

    /// The repository root, for the shipped `conf/`.
    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// Runs `ztisup` (or `executable`) to its end, killing it after 60 s, and returns what it printed.
    static func run(
        _ arguments: [String], executable: String = ZTISupProcess.executable, environment: [String: String]? = nil
    ) throws -> ChildProcess.Outcome {
        try ChildProcess.run(executable, arguments, environment: environment)
    }

    /// Sends one JSON line to a simulator's control socket and returns the reply line ("" when none came).
    static func controlCommand(_ json: String, socket path: String) -> String {
        guard let fd = TestUnixSocket.open(SOCK_STREAM, .connect, path: path) else { return "" }
        defer { close(fd) }
        _ = (json + "\n").withCString { Glibc.send(fd, $0, strlen($0), 0) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
    }
}
