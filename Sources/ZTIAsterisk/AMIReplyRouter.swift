import Synchronization

/// Matches replies and list events to the actions waiting for them, by ActionID.
///
/// A request completes on its `Response:` (plain actions) or on the event with `EventList: Complete` or a name
/// ending in `Complete` (list actions; 1.4 has no `EventList:`). A `Response: Error` ends a list at once.
final class AMIReplyRouter: Sendable {
    private struct Pending {
        var isList: Bool
        var response: AMIMessage?
        var items: [AMIMessage] = []
        var continuation: CheckedContinuation<AMIReply, any Error>?
        var result: Result<AMIReply, ZTIAsteriskError>?
    }

    private let pending = Mutex<[String: Pending]>([:])
    private let closedError = Mutex<ZTIAsteriskError?>(nil)

    /// Registers `actionID` before its action is sent, so that no reply can arrive unexpected.
    func expect(_ actionID: String, isList: Bool) {
        pending.withLock { $0[actionID] = Pending(isList: isList) }
    }

    /// Waits for the reply to `actionID`, at most `timeout`.
    func reply(_ actionID: String, timeout: Duration, action: String) async throws -> AMIReply {
        try await withThrowingTaskGroup(of: AMIReply.self) { group in
            group.addTask { try await self.wait(actionID) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw ZTIAsteriskError(.timedOut, "no reply to \(action) within \(timeout)")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    private func wait(_ actionID: String) async throws -> AMIReply {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<AMIReply, any Error>) in
                let ready: Result<AMIReply, ZTIAsteriskError>? = pending.withLock { table in
                    guard var entry = table[actionID] else {
                        return .failure(closedError.withLock { $0 } ?? ZTIAsteriskError(.linkClosed, "the link closed"))
                    }
                    if let result = entry.result {
                        table[actionID] = nil
                        return result
                    }
                    entry.continuation = continuation
                    table[actionID] = entry
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            let waiting = pending.withLock { $0.removeValue(forKey: actionID)?.continuation }
            waiting?.resume(throwing: CancellationError())
        }
    }

    /// Routes a message; returns true when it belonged to a pending request.
    @discardableResult
    func deliver(_ message: AMIMessage) -> Bool {
        guard let actionID = message.actionID else { return false }
        let finished: (CheckedContinuation<AMIReply, any Error>?, AMIReply)? = pending.withLock { table in
            guard var entry = table[actionID] else { return nil }
            switch message.kind {
            case .response, .follows:
                entry.response = message
                let failed = message.response?.lowercased() == "error"
                if !entry.isList || failed {
                    return complete(&table, actionID, entry, AMIReply(response: message, items: entry.items))
                }
            case .event:
                let name = message.eventName?.lowercased() ?? ""
                if message["EventList"]?.lowercased() == "complete" || name.hasSuffix("complete") {
                    let response =
                        entry.response ?? AMIMessage(kind: .response, headers: [AMIHeader("Response", "Success")])
                    return complete(&table, actionID, entry, AMIReply(response: response, items: entry.items))
                }
                guard entry.isList else {
                    // An event carrying the ActionID of a plain action (OriginateResponse) is not its reply.
                    return nil
                }
                entry.items.append(message)
            default:
                return nil
            }
            table[actionID] = entry
            return nil
        }
        if let (continuation, reply) = finished { continuation?.resume(returning: reply) }
        return true
    }

    private func complete(
        _ table: inout [String: Pending], _ actionID: String, _ entry: Pending, _ reply: AMIReply
    ) -> (CheckedContinuation<AMIReply, any Error>?, AMIReply) {
        var entry = entry
        if let continuation = entry.continuation {
            table[actionID] = nil
            return (continuation, reply)
        }
        entry.result = .success(reply)
        table[actionID] = entry
        return (nil, reply)
    }

    /// Completes `key` with `message` whatever it is (the banner, or whatever came first).
    func deliverFirst(_ key: String, _ message: AMIMessage) {
        let finished: (CheckedContinuation<AMIReply, any Error>?, AMIReply)? = pending.withLock { table in
            guard let entry = table[key] else { return nil }
            return complete(&table, key, entry, AMIReply(response: message, items: []))
        }
        if let (continuation, reply) = finished { continuation?.resume(returning: reply) }
    }

    /// Fails every waiting request: the link is gone.
    func closeAll(_ error: ZTIAsteriskError) {
        closedError.withLock { $0 = error }
        let waiting = pending.withLock { table -> [CheckedContinuation<AMIReply, any Error>] in
            let continuations = table.values.compactMap(\.continuation)
            table.removeAll()
            return continuations
        }
        for continuation in waiting { continuation.resume(throwing: error) }
    }
}
