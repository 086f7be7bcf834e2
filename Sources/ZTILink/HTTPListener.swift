import NIOCore
import NIOHTTP1
import ZTICore

/// A small, bounded HTTP/1.1 listener for ztisup's own endpoints (click-to-dial, `/metrics`): at most
/// ``maximumHeaders`` headers, a body of `maximumBody` bytes (a larger declared or chunked body is refused before
/// it is read), and ``connectionLifetime`` per connection, whatever the client does.
public struct HTTPListener: Sendable {
    public static let maximumHeaders = 64
    public static let connectionLifetime: Duration = .seconds(30)

    /// A whole request.
    public struct Request: Sendable {
        public let method: String
        public let target: String
        /// Lowercased names; the last of repeated headers.
        public let headers: [String: String]
        public let body: [UInt8]
    }

    /// A whole response.
    public struct Response: Sendable, Equatable {
        public let status: Int
        public let contentType: String
        public let body: [UInt8]

        public init(status: Int, contentType: String, body: [UInt8]) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }
    }

    public let port: Int
    private let maximumBody: Int
    private let handler: @Sendable (Request) async -> Response
    /// The response to a request refused before the handler sees it (status and reason).
    private let refusal: @Sendable (Int, String) -> Response
    private let channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>

    /// Binds `host:port` (port 0 picks one); `setup` adds handlers before HTTP's (TLS).
    public static func bind(
        host: String, port: Int, maximumBody: Int, setup: (@Sendable (any Channel) throws -> Void)? = nil,
        refusal: @escaping @Sendable (Int, String) -> Response,
        handler: @escaping @Sendable (Request) async -> Response
    ) async throws -> HTTPListener {
        let channel: LinkBootstrap.Listener<HTTPServerRequestPart, HTTPServerResponsePart> =
            try await LinkBootstrap.listen(host: host, port: port) { child in
                try setup?(child)
                try child.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
            }
        return HTTPListener(
            port: channel.channel.localAddress?.port ?? port, maximumBody: maximumBody, handler: handler,
            refusal: refusal, channel: channel)
    }

    /// Serves until cancelled.
    public func run() async throws {
        try await LinkBootstrap.accept(channel) { connection in
            await withTaskGroup(of: Void.self) { connectionGroup in
                connectionGroup.addTask { try? await serve(connection) }
                connectionGroup.addTask { try? await Task.sleep(for: Self.connectionLifetime) }
                await connectionGroup.next()
                connectionGroup.cancelAll()
                try? await connection.channel.close()
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body: [UInt8] = []
            var refused: Response?
            for try await part in inbound {
                switch part {
                case .head(let requestHead):
                    head = requestHead
                    body = []
                    refused =
                        requestHead.headers.count > Self.maximumHeaders
                        ? refusal(431, "more than \(Self.maximumHeaders) headers") : nil
                    // A body declared larger than the limit (or whose size only its chunks tell) is refused at
                    // once: nothing waits for bytes that will be refused anyway.
                    if refused == nil, let (status, reason) = declaredBodyRefusal(requestHead.headers) {
                        try await respond(refusal(status, reason), to: requestHead, keepAlive: false, outbound)
                        return
                    }
                case .body(let buffer):
                    body += buffer.readableBytesView
                    if body.count > maximumBody, refused == nil {
                        refused = refusal(413, "the body is larger than \(maximumBody) bytes")
                        body = []
                    }
                case .end:
                    guard let request = head else { continue }
                    var headers: [String: String] = [:]
                    for (name, value) in request.headers { headers[name.lowercased()] = value }
                    let response: Response
                    if let refused {
                        response = refused
                    } else {
                        response = await handler(
                            Request(method: request.method.rawValue, target: request.uri, headers: headers, body: body))
                    }
                    let keepAlive = request.isKeepAlive && refused == nil
                    try await respond(response, to: request, keepAlive: keepAlive, outbound)
                    if !keepAlive { return }
                }
            }
        }
    }

    /// The status and reason to refuse a request whose headers already tell its body is too large: a
    /// `Content-Length` over the limit (or not a number), or a chunked body, whose declared chunk sizes are not
    /// seen here.
    func declaredBodyRefusal(_ headers: HTTPHeaders) -> (Int, String)? {
        if let length = headers.first(name: "content-length") {
            let digits = String(length.filter { $0 != " " && $0 != "\t" })
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                return (400, "Content-Length is not a number")
            }
            if digits.count > 9 || Int(digits)! > maximumBody {
                return (
                    413,
                    "the declared body (Content-Length \(Untrusted.shown(digits, limit: 24))) is larger than "
                        + "\(maximumBody) bytes"
                )
            }
        }
        if headers[canonicalForm: "transfer-encoding"].contains(where: { $0.lowercased() != "identity" }) {
            return (
                413, "a chunked body is refused: send the body with a Content-Length of at most \(maximumBody) bytes"
            )
        }
        return nil
    }

    private func respond(
        _ response: Response, to request: HTTPRequestHead, keepAlive: Bool,
        _ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws {
        var headers = HTTPHeaders([
            ("Content-Type", response.contentType), ("Content-Length", String(response.body.count)),
        ])
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        try await outbound.write(
            .head(
                HTTPResponseHead(version: request.version, status: .init(statusCode: response.status), headers: headers)
            ))
        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body))))
        try await outbound.write(.end(nil))
    }
}
