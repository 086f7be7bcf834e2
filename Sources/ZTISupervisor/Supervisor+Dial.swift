// Click-to-dial through the supervisor: DIAL to the group's worker, and its results back to who asked.
import ZTICore
import ZTILink

extension Supervisor {
    /// Sends a `DIAL` to its group's worker, or refuses it at once when that worker is not running.
    func route(_ request: DialRequest, origin: DialOrigin) async {
        let role = ChildSpec.Role.worker(group: request.group)
        guard let child = children[role], child.isLive, let writer = child.writer else {
            let state = children[role]?.state.rawValue ?? "not configured here"
            let reason = "the worker of group \(request.group) is not running (\(state))"
            await answer(request.refused(reason), to: origin)
            return
        }
        dialOrigins[request.clickToDialId] = origin
        do {
            try await writer.send(.dial(request))
        } catch {
            dialOrigins[request.clickToDialId] = nil
            await answer(request.refused("the worker of group \(request.group) could not be reached"), to: origin)
        }
    }

    func relay(_ result: DialResult) async {
        guard let origin = dialOrigins[result.clickToDialId] else { return }
        if !result.status.isImmediate || result.status == .refused { dialOrigins[result.clickToDialId] = nil }
        await answer(result, to: origin)
    }

    private func answer(_ result: DialResult, to origin: DialOrigin) async {
        switch origin {
        case .uploader: await uploader.send(result)
        case .control(let writer): try? await writer.send(.dialResult(result))
        }
    }
}
