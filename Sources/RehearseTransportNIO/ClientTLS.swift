#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOSSL
import RehearseModel

/// The TLS settings of one run (spec §10, `environments.NAME.tls`): a client certificate and
/// key, a private CA, or `--insecure`. Built once before anything is sent, so an unreadable file
/// or a key that does not belong to its certificate stops the run there (exit 3), and handed to
/// every transport (HTTP, WebSocket, SSE) so they all present the same identity.
public struct ClientTLS: Sendable {
    public let configuration: TLSConfiguration
    /// True when a client certificate or a CA came from the environment's `tls:`.
    public let isCustom: Bool

    /// The system's trust store, or none at all with `--insecure`.
    public init(insecure: Bool = false) {
        var c = TLSConfiguration.makeClientConfiguration()
        if insecure { c.certificateVerification = .none }
        configuration = c
        isCustom = false
    }

    /// Why the TLS settings cannot be made; `hint` says what to do.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var hint: String
        public var description: String { message }
    }

    /// Reads the PEMs of `spec` (files relative to `directory`, or process variables), checks
    /// that the key belongs to the certificate, and makes the configuration.
    public static func load(_ spec: TLSSpec?, environmentName: String, directory: String, environment: [String: String],
                            insecure: Bool) throws(Problem) -> ClientTLS {
        guard let spec else { return ClientTLS(insecure: insecure) }
        var c = TLSConfiguration.makeClientConfiguration()
        let place = "environments.\(environmentName).tls"
        if let ca = spec.ca {
            let pem = try read(ca.value, what: "\(place).ca", directory: directory, environment: environment)
            do {
                let roots = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
                guard !roots.isEmpty else { throw NIOSSLError.failedToLoadCertificate }
                c.trustRoots = .certificates(roots)
            } catch {
                throw Problem(message: "\(place).ca (\(describe(ca.value))) holds no PEM certificate",
                              hint: "ca is the certificate (-----BEGIN CERTIFICATE-----) of the CA that signed the server's certificate")
            }
        }
        if let certSource = spec.clientCert, let keySource = spec.clientKey {
            let certPEM = try read(certSource.value, what: "\(place).client_cert", directory: directory, environment: environment)
            let keyPEM = try read(keySource.value, what: "\(place).client_key", directory: directory, environment: environment)
            let chain: [NIOSSLCertificate]
            do { chain = try NIOSSLCertificate.fromPEMBytes(Array(certPEM.utf8)) } catch {
                throw Problem(message: "\(place).client_cert (\(describe(certSource.value))) holds no PEM certificate",
                              hint: "client_cert is the certificate (-----BEGIN CERTIFICATE-----), client_key its private key")
            }
            guard !chain.isEmpty else {
                throw Problem(message: "\(place).client_cert (\(describe(certSource.value))) holds no PEM certificate",
                              hint: "client_cert is the certificate (-----BEGIN CERTIFICATE-----), client_key its private key")
            }
            let key: NIOSSLPrivateKey
            do { key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem) } catch {
                throw Problem(message: "\(place).client_key (\(describe(keySource.value))) holds no PEM private key (or it is encrypted)",
                              hint: "client_key is an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----); `openssl pkey -in KEY -out PLAIN` decrypts one")
            }
            c.certificateChain = chain.map { .certificate($0) }
            c.privateKey = .privateKey(key)
        }
        if insecure { c.certificateVerification = .none }
        // BoringSSL checks the key against the certificate when both go into a context: a pair
        // that does not belong together fails here rather than in the first handshake.
        do { _ = try NIOSSLContext(configuration: c) } catch {
            if spec.clientKey != nil {
                throw Problem(message: "\(place).client_key does not belong to \(place).client_cert",
                              hint: "the key must be the private key of the certificate; `openssl x509 -noout -pubkey -in CERT` and `openssl pkey -pubout -in KEY` print the same public key for a matching pair")
            }
            throw Problem(message: "\(place): the TLS settings cannot be used (\(error))", hint: "check the PEM files")
        }
        return ClientTLS(configuration: c)
    }

    private init(configuration: TLSConfiguration) {
        self.configuration = configuration
        isCustom = true
    }

    private static func describe(_ source: TLSSpec.Source) -> String {
        switch source {
        case .file(let path): return path
        case .env(let name): return "env \(name)"
        }
    }

    private static func read(_ source: TLSSpec.Source, what: String, directory: String,
                             environment: [String: String]) throws(Problem) -> String {
        switch source {
        case .env(let name):
            guard let text = environment[name], !text.isEmpty else {
                throw Problem(message: "\(what): \(name) is not set", hint: "export \(name) with the PEM text, or give a file path instead")
            }
            return text
        case .file(let path):
            let full = path.hasPrefix("/") ? path : FilePaths.join(directory, path)
            // A PEM is small: a cap keeps a wrong path (a device, a huge file) from being read whole.
            let unreadable = Problem(message: "\(what): cannot read \(full)",
                                     hint: "the path is relative to the folder of rehearse.yaml; check that the file exists and is readable")
            guard let data = FilePaths.read(full, upTo: 1 << 20) else { throw unreadable }
            guard data.count <= 1 << 20 else {
                throw Problem(message: "\(what): \(full) is larger than 1 MiB", hint: "give a PEM file (-----BEGIN ...-----)")
            }
            guard !data.isEmpty, let text = String(validating: data, as: UTF8.self) else {
                throw Problem(message: "\(what): \(full) is empty or not text", hint: "give a PEM file (-----BEGIN ...-----)")
            }
            return text
        }
    }
}
