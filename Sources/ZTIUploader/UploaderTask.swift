import ServiceLifecycle

/// One of the uploader's long-running tasks (the event socket, delivery, the click-to-dial listener) as a service:
/// it runs until it ends or the group's graceful shutdown cancels it. Every event it acked is already committed,
/// so cancelling loses nothing.
public struct UploaderTask: Service, CustomStringConvertible {
    public let description: String
    let body: @Sendable () async throws -> Void

    public init(_ name: String, _ body: @escaping @Sendable () async throws -> Void) {
        self.description = name
        self.body = body
    }

    public func run() async throws {
        try await Self.untilGracefulShutdown(body)
    }

    /// Runs `body` until it ends or a graceful shutdown cancels it; the cancellation that shutdown causes is the
    /// normal end, not a failure that would stop the other services abruptly.
    static func untilGracefulShutdown(_ body: @escaping @Sendable () async throws -> Void) async throws {
        do {
            try await cancelWhenGracefulShutdown(body)
        } catch is CancellationError where Task.isShuttingDownGracefully {
            return
        }
    }
}
