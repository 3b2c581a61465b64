import NIOCore
import NIOSSL
import Synchronization

/// What a client trusts and presents when it connects to a `tls://` address.
///
/// By default (``environment``) the client verifies servers against the system's roots, or
/// against `DRAMAWIRE_TLS_CA` when set, and presents `DRAMAWIRE_TLS_CLIENT_CERT` /
/// `DRAMAWIRE_TLS_CLIENT_KEY` when a server requires a client certificate.
public struct ClientTLS: Sendable, Hashable {
    /// A PEM bundle of the certificate authorities to verify servers with; nil: system roots.
    public var caFile: String?
    /// A PEM certificate chain to present (mutual TLS); nil: none.
    public var certificateFile: String?
    /// The PEM private key of ``certificateFile``.
    public var keyFile: String?

    /// Creates a client TLS setting.
    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }

    /// The setting the protocol's environment variables describe.
    public static var environment: ClientTLS {
        func value(_ name: String) -> String? {
            guard let raw = getenv(name) else { return nil }
            let text = String(cString: raw)
            return text.isEmpty ? nil : text
        }
        return ClientTLS(
            caFile: value("DRAMAWIRE_TLS_CA"), certificateFile: value("DRAMAWIRE_TLS_CLIENT_CERT"),
            keyFile: value("DRAMAWIRE_TLS_CLIENT_KEY"))
    }

    /// Contexts by setting: loading roots and keys is slow, and a follower reconnects often.
    private static let contexts = Mutex<[ClientTLS: NIOSSLContext]>([:])

    /// The context for this setting, made once.
    func context() throws -> NIOSSLContext {
        if let context = Self.contexts.withLock({ $0[self] }) { return context }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let caFile {
            configuration.trustRoots = .file(caFile)
        }
        if let certificateFile {
            guard let keyFile else {
                throw ClientError(
                    "a client certificate (DRAMAWIRE_TLS_CLIENT_CERT) needs its key (DRAMAWIRE_TLS_CLIENT_KEY)")
            }
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
        }
        let context = try NIOSSLContext(configuration: configuration)
        Self.contexts.withLock { $0[self] = context }
        return context
    }

    /// The context and the server name for a connection to `host`: a name is sent (SNI) and
    /// checked against the certificate; for an IP address the name is nil, and the address is
    /// checked against the certificate's IP entries.
    func setup(host: String) throws -> (context: NIOSSLContext, serverHostname: String?) {
        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        return (try context(), isAddress ? nil : host)
    }
}

#if canImport(Glibc)
    import Glibc
#endif
