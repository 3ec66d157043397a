#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseCompiler
import RehearseModel
import RehearseTransportNIO
import RehearseDiagnostics

extension Pipeline {
    /// The run's one TLS value (the environment's `tls:`, or `--insecure`), built before anything
    /// is sent and handed to every transport; nil after printing why it cannot be made (exit 3).
    static func clientTLS(_ suite: Suite, environment name: String?, processEnvironment: [String: String], insecure: Bool,
                          console: Console) -> ClientTLS? {
        let spec = name.flatMap { suite.environment($0)?.tls }
        let directory = suite.file.map { FilePaths.directory(of: $0) } ?? ""
        do {
            return try ClientTLS.load(spec, environmentName: name ?? "", directory: directory, environment: processEnvironment,
                                      insecure: insecure)
        } catch {
            console.error(error.message, code: .tls, hint: error.hint)
            return nil
        }
    }
}
