import NIOCore
import NIOHTTP1
import ZTILink

/// The HTTP/1.1 side of the fake CRM, with keep-alive.
public struct FakeCRMServer: Sendable {
    public let crm: FakeCRM
    public let port: Int
    private let channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>

    /// Binds `host:port` (port 0 picks one).
    public static func bind(host: String, port: Int, crm: FakeCRM) async throws -> FakeCRMServer {
        let channel: LinkBootstrap.Listener<HTTPServerRequestPart, HTTPServerResponsePart> =
            try await LinkBootstrap.listen(host: host, port: port) { child in
                try child.pipeline.syncOperations.configureHTTPServerPipeline()
            }
        return FakeCRMServer(crm: crm, port: channel.channel.localAddress?.port ?? port, channel: channel)
    }

    /// Serves until cancelled.
    public func run() async throws {
        try await LinkBootstrap.accept(channel) { try? await serve($0) }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>)
        async throws
    {
        try await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body: [UInt8] = []
            for try await part in inbound {
                switch part {
                case .head(let requestHead):
                    head = requestHead
                    body = []
                case .body(let buffer):
                    body += buffer.readableBytesView
                    if body.count > 1 << 20 { return }
                case .end:
                    guard let request = head else { continue }
                    var headers: [String: String] = [:]
                    for (name, value) in request.headers { headers[name.lowercased()] = value }
                    guard
                        let (status, extra, reply) = await crm.answer(
                            method: request.method.rawValue, path: request.uri, headers: headers, body: body)
                    else { return }
                    var responseHeaders = HTTPHeaders([
                        ("Content-Type", "application/json"), ("Content-Length", String(reply.utf8.count)),
                    ])
                    for (name, value) in extra { responseHeaders.add(name: name, value: value) }
                    try await outbound.write(
                        .head(
                            HTTPResponseHead(
                                version: request.version, status: .init(statusCode: status), headers: responseHeaders)))
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(string: reply))))
                    try await outbound.write(.end(nil))
                }
            }
        }
    }
}
