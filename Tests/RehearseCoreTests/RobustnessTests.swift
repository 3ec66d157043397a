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

/// Feeds seeded mutations of valid plans through load → parse → compile and checks that the tool
/// never crashes and that every error it reports has a position inside the file.
final class RobustnessTests: XCTestCase {
    static let iterations = 10_000

    func seeds() throws -> [(name: String, text: [UInt8])] {
        let dirs = [Golden.directory + "/lint"]
        var out: [(String, [UInt8])] = []
        for dir in dirs {
            for path in Golden.files(in: dir, suffix: ".yaml") where path.contains("valid") {
                out.append((path, Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
            }
        }
        return out
    }

    enum Mutation: CaseIterable { case deleteLine, duplicateLine, swapType, truncate, randomBytes, indent, swapLines, dropChar }

    static let replacements = ["[]", "{}", "42", "true", "null", "\"x\"", "[1, {a: b}]", "{{ nope }}", "~", "-1", "&a x", "*a", "|\n  text"]

    func mutate(_ bytes: [UInt8], _ m: Mutation, _ rng: inout SeededRandom) -> [UInt8] {
        var lines = bytes.split(separator: 10, omittingEmptySubsequences: false).map(Array.init)
        switch m {
        case .deleteLine:
            if !lines.isEmpty { lines.remove(at: Int.random(in: 0..<lines.count, using: &rng)) }
        case .duplicateLine:
            if !lines.isEmpty { let i = Int.random(in: 0..<lines.count, using: &rng); lines.insert(lines[i], at: i) }
        case .swapLines:
            if lines.count > 1 { lines.swapAt(Int.random(in: 0..<lines.count, using: &rng), Int.random(in: 0..<lines.count, using: &rng)) }
        case .swapType:
            // Replace the value after a key's colon with a value of another type.
            let candidates = lines.indices.filter { lines[$0].contains(UInt8(ascii: ":")) }
            if let i = candidates.randomElement(using: &rng), let colon = lines[i].firstIndex(of: UInt8(ascii: ":")) {
                let r = Self.replacements.randomElement(using: &rng)!
                lines[i] = Array(lines[i][...colon]) + Array(" \(r)".utf8)
            }
        case .truncate:
            return Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
        case .randomBytes:
            var b = bytes
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                b.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...b.count, using: &rng))
            }
            return b
        case .indent:
            if !lines.isEmpty {
                let i = Int.random(in: 0..<lines.count, using: &rng)
                if Bool.random(using: &rng) { lines[i] = [32, 32, 32] + lines[i] } else if lines[i].first == 32 { lines[i].removeFirst() }
            }
        case .dropChar:
            var b = bytes
            if !b.isEmpty { b.remove(at: Int.random(in: 0..<b.count, using: &rng)) }
            return b
        }
        return Array(lines.joined(separator: [10]))
    }

    func testMutatedPlansNeverCrashAndAlwaysPosition() throws {
        let seeds = try seeds()
        XCTAssertFalse(seeds.isEmpty)
        let suitePath = Golden.directory + "/lint/rehearse.yaml"
        let suiteBytes = Array(try Data(contentsOf: URL(fileURLWithPath: suitePath)))
        let (suite, suiteDiagnostics) = SuiteLoader.parseSuite(suiteBytes, path: suitePath)
        XCTAssertEqual(suiteDiagnostics.count, 0)
        var rng = SeededRandom(seed: 20261125)
        var withErrors = 0
        for i in 0..<Self.iterations {
            let seed = seeds[i % seeds.count]
            var bytes = seed.text
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                bytes = mutate(bytes, Mutation.allCases.randomElement(using: &rng)!, &rng)
            }
            let path = "mutant-\(i).yaml"
            let (plan, diagnostics) = SuiteLoader.parsePlan(bytes, id: "mutant", path: path)
            let loaded = LoadedSuite(root: ".", suite: suite, plans: plan.map { [$0] } ?? [], diagnostics: diagnostics,
                                     sources: [path: bytes])
            let (graph, compileDiagnostics) = Compiler.compile(loaded)
            let all = diagnostics + compileDiagnostics
            let lineCount = bytes.filter { $0 == 10 }.count + 1
            for d in all {
                guard let p = d.location.position else {
                    XCTFail("mutation \(i): diagnostic without a position: \(d.message)")
                    continue
                }
                XCTAssert(p.line >= 1 && p.line <= lineCount + 1 && p.column >= 1,
                          "mutation \(i): position \(p) outside the file (\(lineCount) lines): \(d.message)")
                XCTAssertEqual(d.location.file, path)
            }
            if all.contains(where: { $0.severity == .error }) {
                withErrors += 1
                XCTAssertNil(graph, "mutation \(i): a graph despite errors")
            }
            // Rendering must cope with whatever the mutation left (bad UTF-8, huge lines).
            _ = all.map { DiagnosticRenderer(sources: [path: bytes]).text($0) }
        }
        // Most mutations must be caught; if none were, the mutator is broken, not the linter.
        XCTAssertGreaterThan(withErrors, Self.iterations / 3)
    }
}
