import AsyncHTTPClient
import Logging
import NIOCore
import ZTICore

/// Zammad's generic CTI API: JSON POSTs to the instance URL, whose token is the only authentication, so the whole
/// URL is the `crm-webhook-secret` and never appears in a log line. ``ZammadCTIEvent`` has the mapping.
public struct ZammadSink: EventSink {
    let url: String
    let internalCalls: InternalCallPolicy
    let client: HTTPClient
    let logger: Logger

    public init(url: String, internalCalls: InternalCallPolicy, client: HTTPClient, logger: Logger) {
        self.url = url
        self.internalCalls = internalCalls
        self.client = client
        self.logger = logger
    }

    public var wantsHistory: Bool { true }

    public func deliver(_ event: CallEvent) async -> DeliveryOutcome {
        await deliver(event, sentBefore: [])
    }

    public func deliver(_ event: CallEvent, sentBefore: [CallEvent]) async -> DeliveryOutcome {
        let body: JSONValue
        switch ZammadCTIEvent.mapping(for: event, sentBefore: sentBefore, internalCalls: internalCalls) {
        case .skip(let reason): return .skipped(reason: reason)
        case .send(let json): body = json
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "ztisup/\(ZTIVersion.current)")
        request.body = .bytes(ByteBuffer(bytes: CanonicalJSON.data(body)))
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            let text = String(buffer: try await response.body.collect(upTo: 64 * 1024))
            // Zammad may ask to reject a blocked caller; ztisup has no PBX action for it yet, so it says so.
            if text.contains(#""action":"reject""#) {
                logger.notice(
                    "Zammad asked to reject call \(event.group)/\(event.callId) (\(event.from ?? "?")): not acted on")
            }
            return HTTPOutcome.classify(
                status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"), body: text)
        } catch {
            // The error text of the HTTP client never holds the URL, which carries Zammad's token.
            return .retry(after: nil, reason: "Zammad is unreachable: \(type(of: error)) \(error)")
        }
    }
}
