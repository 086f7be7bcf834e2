import Glibc
import ZTICore
import ZTILink

/// The client side of `control.sock`, for `ztisup status` and `ztisup dial`.
public enum ControlClient {
    /// Asks the supervisor for its status (within 5 s).
    public static func status(path: String) async throws(ZTISupervisorError) -> StatusReport {
        let frames = try await exchange(path: path, send: .statusRequest(StatusRequest())) { frame in
            if case .status = frame { return true }
            return false
        }
        guard case .status(let report)? = frames.last else {
            throw ZTISupervisorError(.linkFailed, "the supervisor did not answer")
        }
        return report
    }

    /// Sends a click-to-dial request: the immediate result, and with `waitForOutcome` the final one too (within
    /// `limit`).
    public static func dial(path: String, request: DialRequest, waitForOutcome: Bool, limit: Duration)
        async throws(ZTISupervisorError) -> [DialResult]
    {
        let frames = try await exchange(path: path, send: .dial(request), limit: limit) { frame in
            guard case .dialResult(let result) = frame else { return false }
            return !waitForOutcome || !result.status.isImmediate || result.status == .refused
        }
        return frames.compactMap { frame in
            if case .dialResult(let result) = frame { return result }
            return nil
        }
    }

    /// Asks the supervisor to have `request.group`'s worker capture its PBX stream: the worker's answer.
    public static func capture(path: String, request: CaptureRequest) async throws(ZTISupervisorError)
        -> CaptureResult
    {
        let frames = try await exchange(path: path, send: .capture(request), limit: .seconds(10)) { frame in
            if case .captureResult = frame { return true }
            return false
        }
        guard case .captureResult(let result)? = frames.last else {
            throw ZTISupervisorError(.linkFailed, "the supervisor did not answer")
        }
        return result
    }

    /// Sends `frame` and collects frames until `done` says so, the link closes, or `limit` passes.
    static func exchange(
        path: String, send frame: Frame, limit: Duration = .seconds(5),
        until done: @escaping @Sendable (Frame) -> Bool
    ) async throws(ZTISupervisorError) -> [Frame] {
        do {
            return try await FrameLink.exchange(
                path: path, send: frame, receiver: .cli, sender: .supervisor, limit: limit, until: done)
        } catch {
            throw ZTISupervisorError(.linkFailed, "\(error)")
        }
    }
}
