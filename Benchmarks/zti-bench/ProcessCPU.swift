import Foundation
import Glibc

/// CPU time (user + system) that named processes spent over a stretch of a benchmark, from `/proc/PID/stat`: the
/// share of each process in what a load costs, which no latency figure shows on a machine whose cores every
/// process shares.
struct ProcessCPU {
    let processes: [(name: String, pid: Int)]
    private let start: [Double]

    /// Starts counting for `processes` (a pid that cannot be read counts as 0).
    init(_ processes: [(name: String, pid: Int)]) {
        self.processes = processes
        start = processes.map { Self.seconds(of: $0.pid) }
    }

    /// The CPU seconds each process used since ``init(_:)``.
    func used() -> [(name: String, seconds: Double)] {
        zip(processes, start).map { process, before in (process.name, Self.seconds(of: process.pid) - before) }
    }

    /// User plus system time of `pid`, in seconds; 0 when it cannot be read.
    static func seconds(of pid: Int) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let afterName = stat.lastIndex(of: ")")
        else { return 0 }
        // Fields after the name: state is the 3rd of the line; utime and stime are the 14th and 15th.
        let fields = stat[stat.index(after: afterName)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
