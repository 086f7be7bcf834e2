import Foundation
import NIOCore
import ZTICore
import ZTILink

/// A Unix socket taking one JSON object per line; the handler returns an error text or nil.
struct JSONLineControl: Sendable {
    let path: String
    let handler: @Sendable ([String: Any]) async -> String?

    func run() async throws {
        try? FileManager.default.removeItem(atPath: path)
        let server: LinkBootstrap.Listener<ByteBuffer, ByteBuffer> = try await LinkBootstrap.listen(unixPath: path)
        try await LinkBootstrap.accept(server) { connection in
            try? await connection.executeThenClose { input, output in
                var pending: [UInt8] = []
                for try await buffer in input {
                    pending += buffer.readableBytesView
                    while let newline = pending.firstIndex(of: 0x0A) {
                        let line = Data(pending[..<newline])
                        pending.removeSubrange(...newline)
                        var answer = #"{"ok":true}"#
                        if let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] {
                            if let error = await handler(object) {
                                answer = CanonicalJSON.string(
                                    JSONValue.object(["ok": .bool(false), "error": .string(error)]))
                            }
                        } else {
                            answer = #"{"ok":false,"error":"expected a JSON object"}"#
                        }
                        try await output.write(ByteBuffer(string: answer + "\n"))
                    }
                }
            }
        }
    }
}
