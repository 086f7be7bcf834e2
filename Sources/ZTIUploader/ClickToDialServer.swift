import Logging
import NIOCore
import NIOSSL
import ZTICore
import ZTILink

/// The click-to-dial HTTP listener (`clicktodial.listen`, loopback by default; TLS when a certificate is
/// configured), bounded as every ``HTTPListener`` is, with a body of at most ``maximumBody`` bytes.
public struct ClickToDialServer: Sendable {
    public static let maximumBody = 16 * 1024

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

    private let listener: HTTPListener

    public var port: Int { listener.port }

    /// Binds `host:port` (port 0 picks one), with TLS from `tls` when given.
    public static func bind(
        host: String, port: Int, tls: TLS?, endpoint: ClickToDialEndpoint, logger: Logger
    ) async throws -> ClickToDialServer {
        var setup: (@Sendable (any Channel) throws -> Void)?
        if let context = tls?.context {
            setup = { child in try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context)) }
        }
        let listener = try await HTTPListener.bind(
            host: host, port: port, maximumBody: maximumBody, setup: setup,
            refusal: { status, reason in http(ClickToDialEndpoint.error(status, reason)) },
            handler: { request in
                http(
                    await endpoint.handle(
                        method: request.method, target: request.target, headers: request.headers, body: request.body))
            })
        return ClickToDialServer(listener: listener)
    }

    static func http(_ response: ClickToDialEndpoint.Response) -> HTTPListener.Response {
        HTTPListener.Response(status: response.status, contentType: "application/json", body: Array(response.body.utf8))
    }

    /// Serves until cancelled.
    public func run() async throws {
        try await listener.run()
    }
}
