import Foundation
import ZTITestKit

/// Reads a child's stderr until a text appears.
final class StderrReader {
    /// Stops reading at the process's end or after `seconds`.
    static let seconds = 15.0

    let process: ChildProcess
    var log = ""

    init(process: ChildProcess) {
        self.process = process
    }

    func wait(for text: String) -> Bool {
        let deadline = Deadline(seconds: Self.seconds)
        while !log.contains(text) && !deadline.passed {
            guard let fd = process.standardError else { break }
            let bytes = ChildProcess.readAvailable(fd, milliseconds: deadline.pollMilliseconds)
            if bytes.isEmpty && !process.isRunning { break }
            log += String(decoding: bytes, as: UTF8.self)
        }
        return log.contains(text)
    }

    /// Reads what is left once the process has ended.
    func readToEnd() {
        while let fd = process.standardError {
            let bytes = ChildProcess.readAvailable(fd, milliseconds: 1000)
            if bytes.isEmpty { break }
            log += String(decoding: bytes, as: UTF8.self)
        }
    }
}
