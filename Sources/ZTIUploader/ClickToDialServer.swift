import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import ZTICore
import ZTILink

/// The click-to-dial HTTP listener (`clicktodial.listen`, loopback by default; TLS when a certificate is
/// configured). Requests are bounded: at most ``maximumHeaders`` headers, a body of ``maximumBody`` bytes, and
/// ``connectionLifetime`` per connection.
public struct ClickToDialServer: Sendable {
    public static let maximumHeaders = 64
    public static let maximumBody = 16 * 1024
    public static let connectionLifetime: Duration = .seconds(30)

    /// The listener's certificate and key (`clicktodial.tls.cert`, `clicktodial.tls.key`).
    public struct TLS: Sendable {
        let context: NIOSSLContext

        public init(certificateFile: String, keyFile: String) throws(ZTIUploaderError) {
            do {
                context = try NIOSSLContext(
                    configuration: .makeServerConfiguration(
                        certificateChain: try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) },
                        privateKey: .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))))
            } catch {
                throw ZTIUploaderError(
                    .secretRefused,
                    "clicktodial.tls.cert = \(certificateFile), clicktodial.tls.key = \(keyFile): cannot load them "
                        + "as a PEM certificate chain and its private key: \(error)")
            }
        }
    }

    public let port: Int
    private let endpoint: ClickToDialEndpoint
    private let logger: Logger
    private let channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>

    /// Binds `host:port` (port 0 picks one), with TLS from `tls` when given.
    public static func bind(
        host: String, port: Int, tls: TLS?, endpoint: ClickToDialEndpoint, logger: Logger
    ) async throws -> ClickToDialServer {
        let channel: LinkBootstrap.Listener<HTTPServerRequestPart, HTTPServerResponsePart> =
            try await LinkBootstrap.listen(host: host, port: port) { child in
                if let tls { try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.context)) }
                try child.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
            }
        return ClickToDialServer(
            port: channel.channel.localAddress?.port ?? port, endpoint: endpoint, logger: logger, channel: channel)
    }

    /// Serves until cancelled.
    public func run() async throws {
        try await LinkBootstrap.accept(channel) { connection in
            // A connection lives at most connectionLifetime, whatever the client does.
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
            var refusal: ClickToDialEndpoint.Response?
            for try await part in inbound {
                switch part {
                case .head(let requestHead):
                    head = requestHead
                    body = []
                    refusal =
                        requestHead.headers.count > Self.maximumHeaders
                        ? ClickToDialEndpoint.error(431, "more than \(Self.maximumHeaders) headers") : nil
                    // A body declared larger than the limit (or whose size only its chunks tell) is refused at
                    // once: nothing waits for bytes that will be refused anyway.
                    if refusal == nil, let tooLarge = Self.declaredBodyRefusal(requestHead.headers) {
                        try await respond(tooLarge, to: requestHead, keepAlive: false, outbound)
                        return
                    }
                case .body(let buffer):
                    body += buffer.readableBytesView
                    if body.count > Self.maximumBody, refusal == nil {
                        refusal = ClickToDialEndpoint.error(413, "the body is larger than \(Self.maximumBody) bytes")
                        body = []
                    }
                case .end:
                    guard let request = head else { continue }
                    var headers: [String: String] = [:]
                    for (name, value) in request.headers { headers[name.lowercased()] = value }
                    let response: ClickToDialEndpoint.Response
                    if let refusal {
                        response = refusal
                    } else {
                        response = await endpoint.handle(
                            method: request.method.rawValue, target: request.uri, headers: headers, body: body)
                    }
                    let keepAlive = request.isKeepAlive && refusal == nil
                    try await respond(response, to: request, keepAlive: keepAlive, outbound)
                    if !keepAlive { return }
                }
            }
        }
    }

    /// The refusal of a request whose headers already tell its body is too large: a `Content-Length` over
    /// ``maximumBody`` (or not a number), or a chunked body, whose declared chunk sizes are not seen here.
    static func declaredBodyRefusal(_ headers: HTTPHeaders) -> ClickToDialEndpoint.Response? {
        if let length = headers.first(name: "content-length") {
            let digits = String(length.filter { $0 != " " && $0 != "\t" })
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                return ClickToDialEndpoint.error(400, "Content-Length is not a number")
            }
            if digits.count > 9 || Int(digits)! > maximumBody {
                return ClickToDialEndpoint.error(
                    413,
                    "the declared body (Content-Length \(Untrusted.shown(digits, limit: 24))) is larger than "
                        + "\(maximumBody) bytes")
            }
        }
        if headers[canonicalForm: "transfer-encoding"].contains(where: { $0.lowercased() != "identity" }) {
            return ClickToDialEndpoint.error(
                413, "a chunked body is refused: send the body with a Content-Length of at most \(maximumBody) bytes")
        }
        return nil
    }

    private func respond(
        _ response: ClickToDialEndpoint.Response, to request: HTTPRequestHead, keepAlive: Bool,
        _ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws {
        var responseHeaders = HTTPHeaders([
            ("Content-Type", "application/json"), ("Content-Length", String(response.body.utf8.count)),
        ])
        if !keepAlive { responseHeaders.add(name: "Connection", value: "close") }
        try await outbound.write(
            .head(
                HTTPResponseHead(
                    version: request.version, status: .init(statusCode: response.status), headers: responseHeaders)))
        try await outbound.write(.body(.byteBuffer(ByteBuffer(string: response.body))))
        try await outbound.write(.end(nil))
    }
}
