// ztisup-worker: one group's PBX link, started by the supervisor (`ztisup run`) with the link on fd 3. The worker
// alone, without the supervisor's, the uploader's and the commands' code and libraries, so that the process a
// group costs stays small (see the README's Benchmarks).
import Glibc
import ZTIWorker

var logTarget = "auto"
let arguments = CommandLine.arguments
if let index = arguments.firstIndex(of: "--log-target"), index + 1 < arguments.count {
    logTarget = arguments[index + 1]
}
exit(await WorkerMain.run(logTarget: logTarget))
