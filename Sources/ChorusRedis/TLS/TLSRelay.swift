import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// TLS for hiredis, which has none: an in-process relay between one end of a `socketpair` (given
/// to hiredis with `redisConnectFd`) and a NIOSSL connection to the server.
///
/// hiredis keeps its blocking reads and writes on its own thread (``RedisThread``), exactly as
/// over TCP, and knows nothing of TLS; the relay's two channels live on one SwiftNIO event loop,
/// which only ever moves bytes and never blocks. Closing either side closes the other: hiredis
/// closing its end (or `shutdown` from ``ShutdownHandle``) closes the TLS connection, and the
/// server closing the TLS connection is an end of file for hiredis.
enum TLSRelay {
    /// Connects to `host:port`, completes the TLS handshake (certificate and host name checked),
    /// and returns hiredis' end of the relay: a connected stream socket that is closed with the
    /// hiredis context. `label` names the server in messages.
    static func connect(host: String, port: Int, tls: RedisTLS, label: String, timeout: Duration) throws(RedisConnectionError) -> Int32 {
        let context = try tls.makeContext()
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        // A host name is sent as SNI and checked against the certificate's names; an IP address
        // cannot go in SNI, and NIOSSL then checks the certificate's IP addresses instead.
        let serverName: String? = isIPAddress(host) ? nil : host
        let handshake = loop.makePromise(of: Void.self)
        let limit = TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + Int64(timeout.components.attoseconds / 1_000_000_000))
        let server: any Channel
        do {
            server = try ClientBootstrap(group: loop)
                .connectTimeout(limit)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                        try channel.pipeline.syncOperations.addHandler(HandshakeWatcher(handshake))
                    }
                }
                .connect(host: host, port: port)
                .wait()
        } catch {
            handshake.fail(error)
            throw RedisConnectionError("cannot connect to redis at \(label): \(error)")
        }
        // The handshake may not hang for longer than a connection may take.
        let deadline = loop.scheduleTask(in: limit) {
            handshake.fail(TLSHandshakeTimeout())
        }
        do {
            try handshake.futureResult.wait()
            deadline.cancel()
        } catch {
            deadline.cancel()
            server.close(promise: nil)
            throw RedisConnectionError(describing: error, label: label, host: host)
        }

        var ends: [Int32] = [-1, -1]
        // CLOEXEC: a process started meanwhile must not keep hiredis' end open (see RedisConnection).
        #if canImport(Glibc)
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let type = SOCK_STREAM
        #endif
        guard socketpair(AF_UNIX, type, 0, &ends) == 0 else {
            server.close(promise: nil)
            throw RedisConnectionError("cannot connect to redis at \(label): socketpair failed with errno \(errno)")
        }
        do {
            let local = try ClientBootstrap(group: loop).withConnectedSocket(ends[1]).wait()
            try loop.submit {
                let (toServer, toLocal) = RelayHandler.pair()
                try local.pipeline.syncOperations.addHandler(toServer)
                try server.pipeline.syncOperations.addHandler(toLocal)
            }.wait()
        } catch {
            server.close(promise: nil)
            _ = close(ends[0])
            throw RedisConnectionError("cannot connect to redis at \(label): the TLS relay could not start: \(error)")
        }
        return ends[0]
    }

    private static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}

/// The TLS handshake did not finish within the connect timeout.
struct TLSHandshakeTimeout: Error {}

/// Completes a promise when the TLS handshake on its channel succeeds or fails.
private final class HandshakeWatcher: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<Void>

    init(_ promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent {
            promise.succeed()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.eof)
        context.fireChannelInactive()
    }
}
