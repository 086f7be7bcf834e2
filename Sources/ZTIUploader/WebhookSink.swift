import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import ZTICore

/// The generic webhook: a POST of the event's canonical JSON, signed with HMAC-SHA256 over the body
/// (`X-ZTI-Signature: sha256=<hex>`), so the receiver can check that ztisup sent it.
///
/// With `crm.webhook.batch` above 1, a request carries up to that many events as one JSON array (always an array,
/// even of one), `X-ZTI-Event-Count` says how many, and the signature covers the whole body. Events of one call are
/// never in two requests at once, and within an array they are in the order they happened; the receiver answers for
/// the request as a whole (a 2xx takes them all; a retryable status sends them all again).
public struct WebhookSink: EventSink {
    /// The header that carries the signature.
    public static let signatureHeader = "X-ZTI-Signature"

    let url: String
    let key: [UInt8]
    let client: HTTPClient
    let timeout: Duration
    /// `crm.webhook.batch`: the most events per request.
    public let batchLimit: Int

    /// A sink posting to `url`, signing with `key` (the `crm-webhook-secret`), up to `batch` events per request.
    public init(url: String, key: String, client: HTTPClient, timeout: Duration = .seconds(10), batch: Int = 1) {
        self.url = url
        self.key = Array(key.utf8)
        self.client = client
        self.timeout = timeout
        self.batchLimit = max(1, batch)
    }

    /// `sha256=<hex of HMAC-SHA256(key, body)>`.
    public static func signature(_ body: [UInt8], key: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: key))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    public func deliver(_ event: CallEvent) async -> DeliveryOutcome {
        await deliver(event, stored: event.canonicalJSON())
    }

    /// Posts the spooled JSON as it is: the spool holds the event's canonical form, so the body (and what the
    /// signature covers) is what the worker emitted.
    public func deliver(_ event: CallEvent, stored: String) async -> DeliveryOutcome {
        await post(Array(stored.utf8), header: ("X-ZTI-Event-Id", event.id))
    }

    /// Posts the events as one JSON array of their spooled JSON, in the order given.
    public func deliver(batch: [(event: CallEvent, stored: String)]) async -> DeliveryOutcome {
        var body: [UInt8] = [0x5B]
        for (index, item) in batch.enumerated() {
            if index > 0 { body.append(0x2C) }
            body.append(contentsOf: item.stored.utf8)
        }
        body.append(0x5D)
        return await post(body, header: ("X-ZTI-Event-Count", String(batch.count)))
    }

    private func post(_ body: [UInt8], header: (name: String, value: String)) async -> DeliveryOutcome {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "ztisup/\(ZTIVersion.current)")
        request.headers.add(name: header.name, value: header.value)
        request.headers.add(name: Self.signatureHeader, value: Self.signature(body, key: key))
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(
                request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
            let text = String(buffer: try await response.body.collect(upTo: 64 * 1024))
            return HTTPOutcome.classify(
                status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"), body: text)
        } catch {
            return .retry(after: nil, reason: "the webhook is unreachable: \(error)")
        }
    }
}

/// How an HTTP status becomes a delivery outcome, for every sink.
enum HTTPOutcome {
    static func classify(status: Int, retryAfter: String?, body: String) -> DeliveryOutcome {
        let snippet = String(body.prefix(200)).replacingOccurrences(of: "\n", with: " ")
        switch status {
        case 200..<300: return .delivered
        case 408, 429, 500..<600:
            return .retry(
                after: retryAfter.flatMap(Int64.init).map { .seconds($0) }, reason: "HTTP \(status): \(snippet)")
        default:
            return .refused(reason: "HTTP \(status): \(snippet)")
        }
    }
}
