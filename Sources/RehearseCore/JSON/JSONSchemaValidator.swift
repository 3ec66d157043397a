// PLACEHOLDER until the draft 2020-12 validator lands: same API, accepts everything.
public struct JSONSchemaViolation: Sendable, Equatable {
    public let instancePath: String
    public let keyword: String
    public let message: String
}
public struct JSONSchemaValidator: Sendable {
    public init(schema: JSONValue) throws {}
    public func validate(_ instance: JSONValue) -> [JSONSchemaViolation] { [] }
}
