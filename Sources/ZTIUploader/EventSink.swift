import ZTICore

/// Where delivered events go: a CRM API or a webhook.
public protocol EventSink: Sendable {
    /// Delivers one event; never throws: every failure is an outcome.
    func deliver(_ event: CallEvent) async -> DeliveryOutcome
    /// Delivers one event knowing the events of its call that went to the CRM before it.
    func deliver(_ event: CallEvent, sentBefore: [CallEvent]) async -> DeliveryOutcome
    /// Delivers one spooled event: `stored` is its JSON as the spool holds it (a sink that posts the event sends
    /// it as it is, without encoding it again).
    func deliver(_ event: CallEvent, stored: String) async -> DeliveryOutcome
    /// Whether ``deliver(_:sentBefore:)`` needs that history (the engine reads it from the spool only then).
    var wantsHistory: Bool { get }
    /// The most events one request may carry; above 1 the engine hands over batches (``deliver(batch:)``).
    var batchLimit: Int { get }
    /// Delivers several spooled events (each with its stored JSON) in one request: one outcome for them all.
    func deliver(batch: [(event: CallEvent, stored: String)]) async -> DeliveryOutcome
}

extension EventSink {
    public func deliver(_ event: CallEvent, sentBefore: [CallEvent]) async -> DeliveryOutcome { await deliver(event) }
    public func deliver(_ event: CallEvent, stored: String) async -> DeliveryOutcome { await deliver(event) }
    public var wantsHistory: Bool { false }
    public var batchLimit: Int { 1 }
    public func deliver(batch: [(event: CallEvent, stored: String)]) async -> DeliveryOutcome {
        guard batch.count == 1, let only = batch.first else {
            return .refused(reason: "this CRM takes one event per request")
        }
        return await deliver(only.event, stored: only.stored)
    }
}

/// The result of one delivery attempt.
public enum DeliveryOutcome: Sendable, Equatable {
    /// The CRM took it (2xx).
    case delivered
    /// The CRM took it in another form (e.g. Zoho's `ended` for a refused `missed`), noted on the spool row.
    case deliveredWithNote(String)
    /// Try again later (408, 429, 5xx, network errors), not before `after` when the CRM said so.
    case retry(after: Duration?, reason: String)
    /// The CRM refused it for good (other 4xx): a dead letter, with the CRM's reason.
    case refused(reason: String)
    /// Not sent on purpose (e.g. internal calls with `crm.internal = skip`).
    case skipped(reason: String)
}
