import Logging
import Synchronization
import ZTICore

/// Zoho PhoneBridge v3: each event becomes a `callnotify` (``ZohoCallNotify`` has the mapping table), or is
/// skipped on purpose. An unanswered state the org refuses with a 400 is sent again as `ended` with
/// `duration=0` (`crm.zoho.unanswered = auto`), and the refusal is remembered so later calls go straight to the
/// fallback.
public final class ZohoSink: EventSink {
    let api: PhoneBridgeClient
    let settings: ZohoCallNotify.Settings
    let logger: Logger
    /// `type/state` pairs this org refused with a 400.
    private let refusedStates = Mutex<Set<String>>([])

    public init(api: PhoneBridgeClient, settings: ZohoCallNotify.Settings, logger: Logger) {
        self.api = api
        self.settings = settings
        self.logger = logger
    }

    public var wantsHistory: Bool { true }

    public func deliver(_ event: CallEvent) async -> DeliveryOutcome {
        await deliver(event, sentBefore: [])
    }

    public func deliver(_ event: CallEvent, sentBefore: [CallEvent]) async -> DeliveryOutcome {
        var notify: ZohoCallNotify
        switch ZohoCallNotify.mapping(for: event, sentBefore: sentBefore, settings: settings) {
        case .skip(let reason): return .skipped(reason: reason)
        case .notify(let mapped): notify = mapped
        }
        let pair = notify.type + "/" + notify.state
        let fallback = notify.isUnanswered && settings.unanswered == .auto
        if fallback, refusedStates.withLock({ $0.contains(pair) }) {
            return await post(notify.endedInstead(), note: "sent as ended: this Zoho org refuses \(pair)")
        }
        do {
            let reply = try await api.send(.POST, "callnotify", fields: notify.fields)
            if reply.status == 400, fallback {
                let first = refusedStates.withLock { $0.insert(pair).inserted }
                if first {
                    logger.warning(
                        "Zoho refused callnotify \(pair) with 400 (\(reply.snippet)); sending ended with duration=0 instead from now on (crm.zoho.unanswered = auto)"
                    )
                }
                notify = notify.endedInstead()
                return await post(notify, note: "sent as ended: Zoho refused \(pair)")
            }
            return Self.outcome(reply)
        } catch {
            return Self.outcome(error)
        }
    }

    private func post(_ notify: ZohoCallNotify, note: String) async -> DeliveryOutcome {
        do {
            let reply = try await api.send(.POST, "callnotify", fields: notify.fields)
            let outcome = Self.outcome(reply)
            return outcome == .delivered ? .deliveredWithNote(note) : outcome
        } catch {
            return Self.outcome(error)
        }
    }

    static func outcome(_ reply: PhoneBridgeClient.Reply) -> DeliveryOutcome {
        if reply.status == 401 {
            // The client has refreshed the token and tried again: the events wait for the administrator.
            return .retry(
                after: .seconds(60),
                reason: "Zoho refused a fresh access token (HTTP 401 \(reply.snippet)): check crm.zoho.auth.scheme "
                    + "and that the grant has the PhoneBridge scopes")
        }
        return HTTPOutcome.classify(status: reply.status, retryAfter: reply.retryAfter, body: reply.body)
    }

    /// A failure before Zoho answered is never a dead letter: the events wait until the token or the network
    /// comes back.
    static func outcome(_ error: ZTIUploaderError) -> DeliveryOutcome {
        switch error.code {
        case .crmAuthorization: .retry(after: .seconds(60), reason: error.message)
        default: .retry(after: nil, reason: error.message)
        }
    }
}
