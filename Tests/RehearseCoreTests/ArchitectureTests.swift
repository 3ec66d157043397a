import Foundation
import XCTest

/// The arrows of docs/architecture.md, checked on the sources: a stage imports only what is
/// upstream of it. SwiftPM's target dependencies say what may be linked; this test also catches an
/// import that leaks in through a transitive dependency, and a new folder nobody placed.
final class ArchitectureTests: XCTestCase {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// Each target and the project modules it may import. Upstream first.
    static let allowed: [String: Set<String>] = [
        "RehearseModel": [],
        "RehearseDiagnostics": ["RehearseModel"],
        "RehearseParser": ["RehearseModel", "RehearseDiagnostics", "CYAML"],
        "RehearseCompiler": ["RehearseModel", "RehearseDiagnostics", "RehearseParser"],
        "RehearseResults": ["RehearseModel", "RehearseCompiler"],
        "RehearseRuntime": ["RehearseModel", "RehearseDiagnostics", "RehearseCompiler", "RehearseResults"],
        "RehearseTransportNIO": ["RehearseModel", "RehearseRuntime", "CZlib", "CBrotli"],
        "RehearseReport": ["RehearseModel", "RehearseDiagnostics", "RehearseCompiler", "RehearseResults"],
        "Rehearse": ["RehearseModel", "RehearseDiagnostics", "RehearseParser", "RehearseCompiler", "RehearseResults",
                     "RehearseRuntime", "RehearseTransportNIO", "RehearseReport"],
        // The CLI: the façade and the value types of its requests; never the runtime or a transport.
        "RehearseCLI": ["Rehearse", "RehearseModel", "RehearseDiagnostics", "RehearseCompiler", "RehearseResults",
                        "RehearseReport", "DemoServer"],
        // Independent of every stage: the reference backend.
        "DemoServer": [],
        // Benchmarks measure the stages directly.
        "rehearse-bench": ["Rehearse", "RehearseModel", "RehearseParser", "RehearseCompiler", "RehearseResults",
                           "RehearseRuntime", "RehearseTransportNIO", "CYAML", "DemoServer"],
    ]

    /// Only the transport target talks to the network stack (the demo server and the benchmarks
    /// have their own reasons).
    static let networkModules: Set<String> = ["AsyncHTTPClient", "NIOCore", "NIOPosix", "NIOHTTP1", "NIOSSL", "NIOWebSocket",
                                              "NIOConcurrencyHelpers", "WebSocketKit"]
    static let mayUseNetwork: Set<String> = ["RehearseTransportNIO", "DemoServer", "rehearse-bench"]

    static var projectModules: Set<String> { Set(allowed.keys).union(["CYAML", "CZlib", "CBrotli"]) }

    func testEveryTargetFolderIsPlaced() throws {
        let dirs = try FileManager.default.contentsOfDirectory(atPath: Self.sources.path)
            .filter { !["CYAML", "CZlib", "CBrotli"].contains($0) }
        XCTAssertEqual(Set(dirs), Set(Self.allowed.keys), "a new target needs its arrows in this test and in docs/architecture.md")
    }

    func testEachTargetImportsOnlyWhatIsUpstream() throws {
        var checked = 0
        for (target, allowed) in Self.allowed {
            for (file, modules) in try imports(of: target) {
                for m in modules {
                    if Self.projectModules.contains(m) {
                        XCTAssertTrue(allowed.contains(m), "\(target)/\(file) imports \(m), which is not upstream of \(target)")
                    }
                    if Self.networkModules.contains(m) {
                        XCTAssertTrue(Self.mayUseNetwork.contains(target), "\(target)/\(file) imports \(m): only the transport target may")
                    }
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 100, "the sources went missing")
    }

    /// The rule has teeth: an import of the runtime from the report stage is caught.
    func testAForbiddenImportIsReported() {
        XCTAssertFalse(Self.allowed["RehearseReport"]!.contains("RehearseRuntime"))
        XCTAssertFalse(Self.allowed["RehearseCLI"]!.contains("RehearseTransportNIO"))
        XCTAssertEqual(Self.moduleNames(in: "import Foundation\n@testable import RehearseModel\n  import struct NIOCore.ByteBuffer\n"),
                       ["Foundation", "RehearseModel", "NIOCore"])
    }

    /// The shipped binary links FoundationEssentials, not swift-corelibs-foundation (which pulls in
    /// 34 MB of ICU data; issue 20's size target): a shipped target imports `Foundation` only as the
    /// fallback of `#if canImport(FoundationEssentials)`, for platforms without it.
    func testShippedTargetsImportFoundationOnlyAsTheFallbackOfFoundationEssentials() throws {
        var checked = 0
        for target in Self.allowed.keys where target != "rehearse-bench" {
            let root = Self.sources.appendingPathComponent(target)
            guard let walker = FileManager.default.enumerator(atPath: root.path) else { continue }
            for case let path as String in walker where path.hasSuffix(".swift") {
                let lines = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
                    .split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                for (i, line) in lines.enumerated() where Self.moduleNames(in: line) == ["Foundation"] {
                    let guarded = i >= 3 && lines[i - 1] == "#else" && Self.moduleNames(in: lines[i - 2]) == ["FoundationEssentials"]
                        && lines[i - 3] == "#if canImport(FoundationEssentials)"
                    XCTAssertTrue(guarded, "\(target)/\(path):\(i + 1) imports Foundation outside the canImport(FoundationEssentials) fallback")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 50, "the sources went missing")
    }

    /// scripts/install.sh points the five Foundation symbols of NIOFoundationCompat's
    /// `JSONSerialization`/`RunLoop` helpers at `rehearse_foundation_not_linked`: the function must
    /// exist under that C name, and no shipped target may import NIOFoundationCompat (whose
    /// helpers would then be reachable).
    func testTheInstalledBinarysFoundationStandInIsWiredAndUnreachable() throws {
        let root = Self.sources.deletingLastPathComponent()
        let install = try String(contentsOf: root.appendingPathComponent("scripts/install.sh"), encoding: .utf8)
        let standIn = try String(contentsOf: Self.sources.appendingPathComponent("RehearseCLI/FoundationNotLinked.swift"), encoding: .utf8)
        XCTAssertTrue(standIn.contains(#"@_cdecl("rehearse_foundation_not_linked")"#))
        XCTAssertEqual(install.components(separatedBy: #"--defsym -Xlinker "$symbol=rehearse_foundation_not_linked""#).count, 2)
        for target in Self.allowed.keys where target != "rehearse-bench" {
            for (file, modules) in try imports(of: target) {
                XCTAssertFalse(modules.contains("NIOFoundationCompat"), "\(target)/\(file) imports NIOFoundationCompat")
            }
        }
    }

    private func imports(of target: String) throws -> [(String, [String])] {
        let root = Self.sources.appendingPathComponent(target)
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        var out: [(String, [String])] = []
        for case let path as String in walker where path.hasSuffix(".swift") {
            let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            out.append((path, Self.moduleNames(in: text)))
        }
        return out
    }

    /// The module of each `import` line (`import X`, `@testable import X`, `import struct X.Y`).
    static func moduleNames(in text: String) -> [String] {
        text.split(separator: "\n").compactMap { line -> String? in
            var words = line.split(separator: " ").filter { !$0.isEmpty }
            while let first = words.first, first.hasPrefix("@") { words.removeFirst() }
            guard words.first == "import", words.count >= 2 else { return nil }
            let kinds: Set<Substring> = ["struct", "class", "enum", "protocol", "func", "var", "let", "typealias"]
            let name = kinds.contains(words[1]) && words.count >= 3 ? words[2] : words[1]
            return String(name.split(separator: ".").first ?? name)
        }
    }
}
