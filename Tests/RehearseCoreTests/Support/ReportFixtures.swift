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

/// A small fixed run for report tests: read from Golden/reports/small.json, so durations, seed and
/// order never change, and the JSON decoder is exercised on every report test.
enum ReportFixtures {
    static var directory: String { Golden.directory + "/reports" }

    static func small() throws -> RunReport {
        let text = try String(contentsOfFile: directory + "/small.json", encoding: .utf8)
        return try JSONReport.decode(text)
    }

    /// The fixture with gates: critical is met, high is missed.
    static func gated() throws -> RunReport {
        var r = try small()
        r.gates = [Gate(priority: .critical, percent: 100), Gate(priority: .high, percent: 90)]
        return r
    }

    static func result(_ id: String, _ outcome: Outcome, priority: Priority = .normal, tags: [String] = [],
                       auth: String? = nil, status: Int? = nil, failure: Failure? = nil, reason: String? = nil) -> CaseResult {
        let parts = id.split(separator: "/")
        var r = CaseResult(planID: parts.dropLast().joined(separator: "/"), caseID: String(parts.last!), name: nil,
                           priority: priority, tags: tags, outcome: outcome, attempts: outcome == .skipped ? 0 : 1,
                           duration: .milliseconds(10), failures: failure.map { [$0] } ?? [], reason: reason)
        r.auth = auth
        if let status {
            r.exchange = ExchangeRecord(requestLine: "GET http://api.test/\(r.caseID)", requestHeaders: [], status: status,
                                        responseHeaders: [], bodyExcerpt: nil, duration: nil)
        }
        return r
    }
}

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Parses XML with Foundation's parser and records every element with its attributes and text.
final class XMLRecorder: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
        var path: [String]
    }

    var elements: [Element] = []
    var error: Error?
    private var stack: [Int] = []

    static func parse(_ text: String) -> XMLRecorder {
        let recorder = XMLRecorder()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = recorder
        if !parser.parse() { recorder.error = recorder.error ?? parser.parserError ?? CocoaError(.coderReadCorrupt) }
        return recorder
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        stack.append(elements.count)
        elements.append(Element(name: name, attributes: attributes, path: stack.dropLast().map { elements[$0].name }))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let i = stack.last { elements[i].text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = parseError }

    func all(_ name: String) -> [Element] { elements.filter { $0.name == name } }
}
