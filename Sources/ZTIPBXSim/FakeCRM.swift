import Crypto
import Foundation

/// The fake CRM behind `zti-pbxsim crm`: it records every request and answers as told, faults included.
public actor FakeCRM {
    /// One recorded request.
    public struct Request: Sendable, Codable {
        public let method: String
        public let path: String
        public let headers: [String: String]
        public let body: String
        /// For webhook requests with a key configured: whether `X-ZTI-Signature` matched.
        public let signatureValid: Bool?
        public let status: Int
    }

    /// What the next requests get.
    public enum Fault: Sendable {
        /// Answer `status` (with `Retry-After` when given) to the next `count` requests.
        case status(Int, count: Int, retryAfter: Int?)
        /// Answer `status` to every request whose body contains `match`.
        case refuse(match: String, status: Int)
        /// Answer 503 to everything for a while.
        case outage(seconds: Double)
        /// Wait before answering.
        case slow(milliseconds: Int)
        /// Close the connection without answering the next `count` requests.
        case reset(count: Int)
    }

    private let webhookKey: [UInt8]?
    private let recordPath: String?
    private var requests: [Request] = []
    private var statusFaults: [(status: Int, remaining: Int, retryAfter: Int?)] = []
    private var refusals: [(match: String, status: Int)] = []
    private var outageUntil: Date?
    private var delay = 0
    private var resets = 0
    private var arrivals: [String: Date] = [:]
    private var zoho: FakeZoho?

    /// A fake CRM checking webhook signatures with `webhookKey`, appending requests to `recordPath`, and playing a
    /// Zoho org when `zoho` is given.
    public init(webhookKey: String?, recordPath: String?, zoho: FakeZoho.Options? = nil) {
        self.webhookKey = webhookKey.map { Array($0.utf8) }
        self.recordPath = recordPath
        self.zoho = zoho.map(FakeZoho.init)
        if let recordPath { _ = FileManager.default.createFile(atPath: recordPath, contents: nil) }
    }

    /// Every request so far.
    public var recorded: [Request] { requests }

    /// When each event id was accepted (for latency figures).
    public var acceptedAt: [String: Date] { arrivals }

    /// Injects a fault.
    public func inject(_ fault: Fault) {
        switch fault {
        case .status(let status, let count, let retryAfter): statusFaults.append((status, count, retryAfter))
        case .refuse(let match, let status): refusals.append((match, status))
        case .outage(let seconds): outageUntil = Date().addingTimeInterval(seconds)
        case .slow(let milliseconds): delay = milliseconds
        case .reset(let count): resets += count
        }
    }

    /// Zoho: every access token issued so far is refused from now on (401), as after its expiry.
    public func expireZohoTokens() {
        zoho?.expireTokens()
    }

    /// Zoho: whether `missed` and the dialled failure states are accepted (as documented) or refused (as reported).
    public func setZohoAcceptsDocumentedStates(_ accept: Bool) {
        zoho?.options.acceptDocumented = accept
    }

    /// Zoho: whether the integration is active (as after `integrate`).
    public func setZohoIntegrated(_ integrated: Bool) {
        zoho?.integrated = integrated
    }

    /// Clears every fault.
    public func heal() {
        statusFaults = []
        refusals = []
        outageUntil = nil
        delay = 0
        resets = 0
    }

    /// The answer to a request: status, extra headers, body; nil means "reset the connection".
    func answer(method: String, path: String, headers: [String: String], body: [UInt8]) async
        -> (Int, [(String, String)], String)?
    {
        if delay > 0 { try? await Task.sleep(for: .milliseconds(delay)) }
        if resets > 0 {
            resets -= 1
            return nil
        }
        let text = String(decoding: body, as: UTF8.self)
        var status = 200
        var extra: [(String, String)] = []
        if let until = outageUntil, until > Date() {
            status = 503
        } else if let index = statusFaults.firstIndex(where: { $0.remaining > 0 }) {
            status = statusFaults[index].status
            if let retryAfter = statusFaults[index].retryAfter { extra.append(("Retry-After", String(retryAfter))) }
            statusFaults[index].remaining -= 1
        } else if let refusal = refusals.first(where: { text.contains($0.match) }) {
            status = refusal.status
        }
        var reply = status == 200 ? #"{"ok":true}"# : #"{"ok":false,"error":"injected \#(status)"}"#
        if status == 200, var zoho,
            let answer = zoho.answer(
                method: method, path: path, host: headers["host"] ?? "127.0.0.1", headers: headers, body: text)
        {
            self.zoho = zoho
            status = answer.status
            reply = answer.body
        }
        var valid: Bool?
        if let webhookKey, let signature = headers["x-zti-signature"] {
            let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: webhookKey))
            valid = signature == "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
        }
        let request = Request(
            method: method, path: path, headers: headers, body: text, signatureValid: valid, status: status)
        requests.append(request)
        if let id = headers["x-zti-event-id"], status == 200 { arrivals[id] = Date() }
        // A batch (`crm.webhook.batch` above 1): a JSON array of events, each accepted with the request.
        if headers["x-zti-event-count"] != nil, status == 200,
            let events = (try? JSONSerialization.jsonObject(with: Data(body))) as? [[String: Any]]
        {
            let now = Date()
            for case let id as String in events.map({ $0["id"] }) { arrivals[id] = now }
        }
        if let recordPath, let handle = FileHandle(forWritingAtPath: recordPath) {
            handle.seekToEndOfFile()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            if let line = try? encoder.encode(request) { handle.write(line + Data("\n".utf8)) }
            try? handle.close()
        }
        return (status, extra, reply)
    }
}
