import Foundation
import XCTest
@testable import Rehearse
@testable import RehearseModel
@testable import RehearseDiagnostics
@testable import RehearseParser
@testable import RehearseCompiler
@testable import RehearseResults
@testable import RehearseRuntime
@testable import RehearseTransportNIO
@testable import RehearseReport

/// The official conformance suites in `<package>/../shared/conformance` (see its README), which a
/// clone without `../shared` does not have: tests then skip, saying so.
enum Conformance {
    /// `<package>/../shared/conformance/<name>`, or nil when absent.
    static func directory(_ name: String) -> URL? {
        let package = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = package.deletingLastPathComponent().appendingPathComponent("shared/conformance/\(name)")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return nil
        }
        return dir
    }

    /// The directory, or an `XCTSkip` that prints why the suite did not run.
    static func require(_ name: String) throws -> URL {
        guard let dir = directory(name) else {
            let note = "conformance suite '\(name)' not found at <package>/../shared/conformance; skipped"
            print(note)
            throw XCTSkip(note)
        }
        return dir
    }

    static func json(_ url: URL) throws -> JSONValue {
        try JSONValue.parse(Data(contentsOf: url))
    }

    /// A plan's expected value written as JSON data: strings are literal, never templates.
    static func template(_ value: JSONValue) -> ValueTemplate {
        switch value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let d): return .number(d)
        case .string(let s): return .string(Template(literal: s))
        case .array(let a): return .array(a.map(template))
        case .object(let o): return .object(o.keys.sorted().map { ($0, template(o[$0]!)) })
        }
    }
}
