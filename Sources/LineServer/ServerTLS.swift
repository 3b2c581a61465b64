import NIOSSL

/// TLS on a listener: the service speaks only TLS there (`DRAMAWIRE_TLS_CERT`,
/// `DRAMAWIRE_TLS_KEY`), and with `DRAMAWIRE_TLS_CLIENT_CA` it also requires a client
/// certificate signed by that CA (mutual TLS).
public struct ServerTLS: Sendable, Hashable {
    /// The PEM certificate chain, leaf first.
    public var certificateFile: String
    /// The PEM private key of the leaf.
    public var keyFile: String
    /// A PEM bundle: when set, clients must present a certificate it signed.
    public var clientCAFile: String?

    /// Creates a TLS setting.
    public init(certificateFile: String, keyFile: String, clientCAFile: String? = nil) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.clientCAFile = clientCAFile
    }

    /// The setting from flags (first) or the protocol's environment variables; nil when neither
    /// a certificate nor a key is given.
    ///
    /// - Throws: `SettingError` when only one of certificate and key is given, or a client CA
    ///   without them.
    public static func fromSettings(certificate: String?, key: String?, clientCA: String?) throws -> ServerTLS? {
        let certificate = Settings.string(certificate, env: "DRAMAWIRE_TLS_CERT")
        let key = Settings.string(key, env: "DRAMAWIRE_TLS_KEY")
        let clientCA = Settings.string(clientCA, env: "DRAMAWIRE_TLS_CLIENT_CA")
        switch (certificate, key) {
        case (nil, nil):
            if clientCA != nil { throw SettingError("DRAMAWIRE_TLS_CLIENT_CA needs DRAMAWIRE_TLS_CERT and _KEY") }
            return nil
        case (let certificate?, let key?):
            return ServerTLS(certificateFile: certificate, keyFile: key, clientCAFile: clientCA)
        default:
            throw SettingError("DRAMAWIRE_TLS_CERT and DRAMAWIRE_TLS_KEY go together: set both or neither")
        }
    }

    /// The server context (TLS 1.2 or later). Reads the files now, so a bad file fails at
    /// startup with its name rather than at the first connection.
    public func context() throws -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw SettingError("DRAMAWIRE_TLS_CERT: cannot read a PEM certificate from \(certificateFile): \(error)")
        }
        guard !chain.isEmpty else { throw SettingError("DRAMAWIRE_TLS_CERT: no certificate in \(certificateFile)") }
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw SettingError("DRAMAWIRE_TLS_KEY: cannot read a PEM private key from \(keyFile): \(error)")
        }
        var configuration: TLSConfiguration
        if let clientCAFile {
            let roots: [NIOSSLCertificate]
            do {
                roots = try NIOSSLCertificate.fromPEMFile(clientCAFile)
            } catch {
                throw SettingError(
                    "DRAMAWIRE_TLS_CLIENT_CA: cannot read PEM certificates from \(clientCAFile): \(error)")
            }
            configuration = TLSConfiguration.makeServerConfigurationWithMTLS(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key),
                trustRoots: .certificates(roots))
        } else {
            configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        }
        configuration.minimumTLSVersion = .tlsv12
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw SettingError("TLS: the certificate and key do not make a usable context: \(error)")
        }
    }
}
