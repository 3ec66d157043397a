// PLACEHOLDER until the RFC 9535 implementation lands: same API, validates only the leading `$`.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public init(_ text: String) throws(JSONPathError) {
        guard text.hasPrefix("$") else { throw JSONPathError(message: "a JSONPath starts with '$'", offset: 0, hint: nil) }
        self.text = text
    }
    public func select(in root: JSONValue) -> [JSONValue] { [] }
    public var isSingular: Bool { true }
    public var description: String { text }
}
public struct JSONPathError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public let hint: String?
    public var description: String { message }
}
