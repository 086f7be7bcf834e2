import Synchronization

/// Matches AES responses to the requests waiting for them, by invoke ID, and hands out invoke IDs (1…9998,
/// cycling, never one still in flight; 9999 is the events').
final class DMCCReplyRouter: Sendable {
    private struct Pending {
        var continuation: CheckedContinuation<DMCCMessage, any Error>?
        var result: DMCCMessage?
    }

    private struct State {
        var pending: [Int: Pending] = [:]
        var last = 0
        var closed: ZTIAvayaError?
    }

    private let state = Mutex(State())

    /// A free invoke ID, registered before its request is sent so that no response can arrive unexpected.
    func allocate() -> Int {
        state.withLock { state in
            repeat { state.last = state.last % 9_998 + 1 } while state.pending[state.last] != nil
            state.pending[state.last] = Pending()
            return state.last
        }
    }

    /// Frees an invoke ID whose request was never sent.
    func release(_ invokeID: Int) {
        _ = state.withLock { $0.pending.removeValue(forKey: invokeID) }
    }

    /// Waits for the response to `invokeID`, at most `timeout`.
    func reply(_ invokeID: Int, timeout: Duration, request: String) async throws -> DMCCMessage {
        try await withThrowingTaskGroup(of: DMCCMessage.self) { group in
            group.addTask { try await self.wait(invokeID) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw ZTIAvayaError(.timedOut, "AES did not answer \(request) within \(timeout)")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    private func wait(_ invokeID: Int) async throws -> DMCCMessage {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<DMCCMessage, any Error>) in
                let ready: Result<DMCCMessage, ZTIAvayaError>? = state.withLock { state in
                    guard var entry = state.pending[invokeID] else {
                        return .failure(state.closed ?? ZTIAvayaError(.linkClosed, "the connection to AES closed"))
                    }
                    if let result = entry.result {
                        state.pending[invokeID] = nil
                        return .success(result)
                    }
                    entry.continuation = continuation
                    state.pending[invokeID] = entry
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            let waiting = state.withLock { $0.pending.removeValue(forKey: invokeID)?.continuation }
            waiting?.resume(throwing: CancellationError())
        }
    }

    /// Routes a response; false when no request waits for its invoke ID.
    @discardableResult
    func deliver(_ invokeID: Int, _ message: DMCCMessage) -> Bool {
        let (known, waiting): (Bool, CheckedContinuation<DMCCMessage, any Error>?) = state.withLock { state in
            guard var entry = state.pending[invokeID] else { return (false, nil) }
            if let continuation = entry.continuation {
                state.pending[invokeID] = nil
                return (true, continuation)
            }
            entry.result = message
            state.pending[invokeID] = entry
            return (true, nil)
        }
        waiting?.resume(returning: message)
        return known
    }

    /// Fails every waiting request: the link is gone.
    func closeAll(_ error: ZTIAvayaError) {
        let waiting = state.withLock { state -> [CheckedContinuation<DMCCMessage, any Error>] in
            state.closed = error
            let continuations = state.pending.values.compactMap(\.continuation)
            state.pending.removeAll()
            return continuations
        }
        for continuation in waiting { continuation.resume(throwing: error) }
    }
}
