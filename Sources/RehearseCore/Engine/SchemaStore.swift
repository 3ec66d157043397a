import Foundation
import Synchronization

/// JSON Schema files named by `expect.schema`, loaded and compiled once per run.
public final class SchemaStore: Sendable {
    private let validators = Mutex<[String: Result<JSONSchemaValidator, SchemaLoadError>]>([:])

    public struct SchemaLoadError: Error, Sendable { public let message: String }

    public init() {}

    static func resolve(_ path: String, planFile: String) -> String {
        if path.hasPrefix("/") { return path }
        let dir = (planFile as NSString).deletingLastPathComponent
        return dir.isEmpty ? path : dir + "/" + path
    }

    /// Problems with `doc` against the schema (empty: valid), or why the schema could not be used.
    public func validate(_ doc: JSONValue, schemaPath: String, planFile: String) -> [String] {
        let full = Self.resolve(schemaPath, planFile: planFile)
        let validator = validators.withLock { cache -> Result<JSONSchemaValidator, SchemaLoadError> in
            if let hit = cache[full] { return hit }
            let made: Result<JSONSchemaValidator, SchemaLoadError>
            if let data = FileManager.default.contents(atPath: full), let schema = try? JSONValue.parse(data) {
                do { made = .success(try JSONSchemaValidator(schema: schema)) } catch {
                    made = .failure(SchemaLoadError(message: "the schema is invalid: \(error)"))
                }
            } else {
                made = .failure(SchemaLoadError(message: "cannot read the schema file \(full)"))
            }
            cache[full] = made
            return made
        }
        switch validator {
        case .success(let v):
            return v.validate(doc).map { ($0.instancePath.isEmpty ? "" : "\($0.instancePath): ") + $0.message }
        case .failure(let e):
            return [e.message]
        }
    }
}
