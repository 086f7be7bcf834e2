// Support captures through the supervisor: CAPTURE to the group's worker, its CAPTURE_RESULT back to the CLI.
import ZTICore
import ZTILink

extension Supervisor {
    /// How long `ztisup capture` waits for the worker to open its file.
    static let captureAnswerTimeout: Duration = .seconds(5)

    /// Asks the group's worker to capture; its answer, or why there is none.
    func capture(_ request: CaptureRequest) async -> CaptureResult {
        let role = ChildSpec.Role.worker(group: request.group)
        guard let child = children[role] else {
            return CaptureResult(
                group: request.group, error: "this supervisor does not run group \(request.group)")
        }
        guard child.isLive, let writer = child.writer else {
            return CaptureResult(
                group: request.group,
                error: "the worker of group \(request.group) is not running (\(child.state.rawValue))")
        }
        let clock = self.clock
        captureRequests += 1
        let id = captureRequests
        return await withCheckedContinuation { continuation in
            captureWaiters[request.group, default: []].append((id, continuation))
            Task {
                do {
                    try await writer.send(.capture(request))
                    try await clock.sleep(for: Self.captureAnswerTimeout)
                } catch {}
                // Only this request's wait ends here, not a later one's.
                self.captureExpired(request.group, id: id)
            }
        }
    }

    /// A worker's answer: every request of the group waiting is answered with it.
    func captureAnswered(_ result: CaptureResult) {
        for waiter in captureWaiters.removeValue(forKey: result.group) ?? [] {
            waiter.continuation.resume(returning: result)
        }
    }

    private func captureExpired(_ group: String, id: Int) {
        guard let index = captureWaiters[group]?.firstIndex(where: { $0.id == id }),
            let waiter = captureWaiters[group]?.remove(at: index)
        else { return }
        waiter.continuation.resume(
            returning: CaptureResult(
                group: group, error: "the worker of group \(group) did not answer within \(Self.captureAnswerTimeout)"))
    }
}
