// Every socket ztisup opens or listens on, as NIO async channels: one place for the bootstrap boilerplate.
import NIOCore
import NIOPosix

/// The bootstraps of every connection ztisup makes or takes (frame links, PBX links, HTTP servers, the
/// simulators), on the shared event loop group. `setup` adds pipeline handlers (TLS, HTTP) before the channel is
/// wrapped; the wrapped types follow from the caller's.
public enum LinkBootstrap {
    /// Adds handlers to a new channel's pipeline, on its event loop.
    public typealias Setup = @Sendable (any Channel) throws -> Void

    /// A listener whose connections are async channels of `Inbound` and `Outbound`.
    public typealias Listener<Inbound: Sendable, Outbound: Sendable> = NIOAsyncChannel<
        NIOAsyncChannel<Inbound, Outbound>, Never
    >

    /// Listens on `host:port` (port 0 picks one), with `SO_REUSEADDR`.
    public static func listen<Inbound: Sendable, Outbound: Sendable>(
        host: String, port: Int, setup: Setup? = nil
    ) async throws -> Listener<Inbound, Outbound> {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { child in wrap(child, setup: setup) }
    }

    /// Listens on the Unix socket `path` (the caller removes a stale file and sets the mode).
    public static func listen<Inbound: Sendable, Outbound: Sendable>(
        unixPath path: String, setup: Setup? = nil
    ) async throws -> Listener<Inbound, Outbound> {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(unixDomainSocketPath: path) { child in wrap(child, setup: setup) }
    }

    /// Takes over a listening socket (one systemd passed).
    public static func listen<Inbound: Sendable, Outbound: Sendable>(
        descriptor: Int32, setup: Setup? = nil
    ) async throws -> Listener<Inbound, Outbound> {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(descriptor) { child in wrap(child, setup: setup) }
    }

    /// Connects to `host:port` within `timeout`, with TCP keepalive (the PBX links).
    public static func connect<Inbound: Sendable, Outbound: Sendable>(
        host: String, port: Int, timeout: TimeAmount = .seconds(10), setup: Setup? = nil
    ) async throws -> NIOAsyncChannel<Inbound, Outbound> {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .connect(host: host, port: port) { channel in wrap(channel, setup: setup) }
    }

    /// Connects to the Unix socket `path`.
    public static func connect<Inbound: Sendable, Outbound: Sendable>(
        unixPath path: String
    ) async throws -> NIOAsyncChannel<Inbound, Outbound> {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: path) { channel in wrap(channel, setup: nil) }
    }

    /// Wraps a connected socket descriptor (one end of a socket pair).
    public static func adopt<Inbound: Sendable, Outbound: Sendable>(
        descriptor: Int32
    ) async throws -> NIOAsyncChannel<Inbound, Outbound> {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .withConnectedSocket(descriptor) { channel in wrap(channel, setup: nil) }
    }

    /// Accepts connections until the listener closes or the task is cancelled; each is served by `handle` in a
    /// child task of its own.
    public static func accept<Inbound: Sendable, Outbound: Sendable>(
        _ listener: Listener<Inbound, Outbound>,
        _ handle: @escaping @Sendable (NIOAsyncChannel<Inbound, Outbound>) async -> Void
    ) async throws {
        try await listener.executeThenClose { inbound in
            try await withThrowingDiscardingTaskGroup { group in
                for try await connection in inbound {
                    group.addTask { await handle(connection) }
                }
            }
        }
    }

    private static func wrap<Inbound: Sendable, Outbound: Sendable>(
        _ channel: any Channel, setup: Setup?
    ) -> EventLoopFuture<NIOAsyncChannel<Inbound, Outbound>> {
        channel.eventLoop.makeCompletedFuture {
            try setup?(channel)
            return try NIOAsyncChannel<Inbound, Outbound>(wrappingChannelSynchronously: channel)
        }
    }
}
