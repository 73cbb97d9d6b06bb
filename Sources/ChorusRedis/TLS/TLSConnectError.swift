import NIOCore
import NIOSSL

extension RedisConnectionError {
    /// Says which of the usual TLS mistakes `error` is: a certificate no trusted authority signed
    /// (wrong or missing `redis-ca`), a certificate for another host name, or a server that does
    /// not speak TLS on that port (a plain-TCP Redis).
    init(describing error: any Error, label: String, host: String) {
        let detail = String(describing: error)
        let prefix = "cannot connect to redis at \(label) over TLS"
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            self.init("\(prefix): wrong host name: the server's certificate is not for '\(host)' (\(detail))")
        } else if detail.contains("CERTIFICATE_VERIFY_FAILED") {
            self.init("\(prefix): certificate verify failed: the server's certificate is not signed by a trusted certificate authority (give its CA with the redis-ca setting) (\(detail))")
        } else if error is TLSHandshakeTimeout {
            self.init("\(prefix): TLS handshake failed: no answer within the connect timeout (the server does not speak TLS on this port? a plain-TCP redis? then use redis://)")
        } else if case .handshakeFailed(_)? = error as? NIOSSLError {
            self.init("\(prefix): TLS handshake failed: the server does not speak TLS on this port (a plain-TCP redis? then use redis://) (\(detail))")
        } else if error as? ChannelError == .eof || error as? NIOSSLError == .uncleanShutdown {
            self.init("\(prefix): TLS handshake failed: the server closed the connection during the handshake (a plain-TCP redis? then use redis://; or it wants a client certificate: the redis-cert and redis-key settings)")
        } else {
            self.init("\(prefix): TLS handshake failed: \(detail)")
        }
    }
}
