import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ZTICore

/// One HTTP exchange with a Zoho server: form-encoded body, bounded response, JSON reading.
enum ZohoHTTP {
    struct Response: Sendable {
        let status: Int
        let retryAfter: String?
        let body: String

        /// The body as a JSON object (empty when it is not one).
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }

        /// Zoho's error code (`PBX_NOT_INTEGRATED`, `REQUIRED_PARAM_MISSING`, …), when the body has one.
        var code: String? { json["code"] as? String }

        /// A short, single-line excerpt for logs and dead letters.
        var snippet: String { String(body.prefix(200)).replacingOccurrences(of: "\n", with: " ") }
    }

    static let timeout: TimeAmount = .seconds(10)

    static func send(
        client: HTTPClient, method: HTTPMethod, url: String, authorization: String?, form: String?
    ) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "User-Agent", value: "ztisup/\(ZTIVersion.current)")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: form))
        }
        let response = try await client.execute(request, timeout: timeout)
        let body = String(buffer: try await response.body.collect(upTo: 256 * 1024))
        return Response(
            status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"), body: body)
    }

    static func isHTTPURL(_ text: String) -> Bool {
        (text.hasPrefix("https://") || text.hasPrefix("http://")) && !text.contains(where: \.isWhitespace)
    }
}
