#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization
import RehearseModel
import RehearseDiagnostics
import RehearseParser

/// JSON Schema files named by `expect.schema`, loaded and compiled once per run.
public final class SchemaStore: Sendable {
    private let validators = Mutex<[String: Result<JSONSchemaValidator, SchemaLoadError>]>([:])

    public struct SchemaLoadError: Error, Sendable { public let message: String }

    public init() {}

    static func resolve(_ path: String, planFile: String) -> String {
        if path.hasPrefix("/") { return path }
        let dir = FilePaths.directory(of: planFile)
        return dir.isEmpty ? path : dir + "/" + path
    }

    /// Problems with `doc` against the schema (empty: valid), or why the schema could not be used.
    public func validate(_ doc: JSONValue, schemaPath: String, planFile: String) -> [String] {
        let full = Self.resolve(schemaPath, planFile: planFile)
        let validator = validators.withLock { cache -> Result<JSONSchemaValidator, SchemaLoadError> in
            if let hit = cache[full] { return hit }
            let made = Self.load(full)
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

    /// Reads and compiles the schema file at `path`, as lint checks it and a run uses it. Its
    /// base URI is the file's `file:` URI, so `$ref: common.json#/$defs/id` reads `common.json`
    /// beside it (and that file's own references are relative to it in turn). With `folder`,
    /// referenced files must lie inside it: lint passes the suite folder, so a `$ref` cannot read
    /// `../../etc/passwd` any more than `expect.schema` can.
    public static func load(_ path: String, inside folder: String? = nil) -> Result<JSONSchemaValidator, SchemaLoadError> {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let data = FileManager.default.contents(atPath: absolute) else {
            return .failure(SchemaLoadError(message: "cannot read the schema file \(path)"))
        }
        guard let schema = try? JSONValue.parse(data) else {
            return .failure(SchemaLoadError(message: "the schema file \(path) is not valid JSON"))
        }
        do {
            return .success(try JSONSchemaValidator(schema: schema, baseURI: SchemaResources.fileURI(absolute),
                                                    loader: { readSchemaFile($0, inside: folder) }))
        } catch {
            return .failure(SchemaLoadError(message: "the schema is invalid: \(error)"))
        }
    }

    /// The loader for references between schema files: `file:` URIs only, nothing remote, and
    /// with `folder` only regular files inside it (read as plans are, with the same size cap).
    @Sendable static func readSchemaFile(_ uri: String, inside folder: String?) -> JSONValue? {
        guard let path = SchemaResources.filePath(uri) else { return nil }
        if let folder {
            guard SuiteLoader.isInside(path, folder: folder),
                  let data = SuiteLoader.read(path, bag: DiagnosticBag(file: path)) else { return nil }
            return try? JSONValue.parse(data)
        }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONValue.parse(data)
    }
}
