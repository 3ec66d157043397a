import Foundation
import Synchronization
import XCTest

@testable import Rehearse
@testable import RehearseModel
@testable import RehearseDiagnostics
@testable import RehearseParser
@testable import RehearseCompiler
@testable import RehearseResults
@testable import RehearseRuntime
@testable import RehearseReport

/// `each`, `teardown` and `extends` (spec §9): parsing, lint positions, the graph and the engine.
final class AuthoringTests: XCTestCase {
    // MARK: CSV

    func testCSVReaderFollowsRFC4180() throws {
        let text = "\u{FEFF}name,note\r\nada,\"says \"\"hi\"\", twice\"\r\n\"grace\",\"two\nlines\"\r\n\r\n"
        let table = try CSVReader.read(Array(text.utf8)).get()
        XCTAssertEqual(table.header, ["name", "note"])
        XCTAssertEqual(table.rows, [["name": "ada", "note": "says \"hi\", twice"], ["name": "grace", "note": "two\nlines"]])
        XCTAssertEqual(try CSVReader.read(Array("a,b\n1,2".utf8)).get().rows, [["a": "1", "b": "2"]], "no final newline")
        XCTAssertEqual(try CSVReader.read(Array("a,b\n,\n".utf8)).get().rows, [["a": "", "b": ""]], "empty cells")
    }

    func testCSVReaderRefusesBrokenFilesWithTheirLine() {
        func problem(_ text: String) -> String? {
            if case .failure(let p) = CSVReader.read(Array(text.utf8)) { return "\(p.line): \(p.message)" }
            return nil
        }
        XCTAssertEqual(problem("a,b\n1,2\n3\n"), "3: row has 1 field, the header 2")
        XCTAssertEqual(problem("a,b\n1,\"2\n"), "2: a quoted field is not closed")
        XCTAssertEqual(problem("a,a\n1,2\n"), "1: column 'a' appears twice in the header")
        XCTAssertEqual(problem(""), "1: the file is empty: a CSV data file starts with a header row")
        XCTAssertEqual(problem("a\nx\"y\"\n"), "2: a quote inside an unquoted field; quote the whole field and double the quote (\"\")")
    }

    // MARK: lint

    func suiteDir(_ files: [String: String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rehearse-each-\(UUID().uuidString)").path
        for (name, text) in files {
            let path = dir + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return dir
    }

    func lint(_ dir: String) -> [String] {
        Lint.run(paths: [dir], options: CompileOptions(cliVars: ["base_url": "http://x"])).diagnostics
            .map { "\(($0.location.file as NSString).lastPathComponent):\($0.location.position?.description ?? "-") \($0.code) \($0.message)" }
    }

    func testItemFieldsMissingFilesAndFilesOutsideTheSuiteAreErrorsWithPositions() throws {
        let dir = try suiteDir([
            "rehearse.yaml": "version: 1\n",
            "data/users.csv": "name,email\nada,a@x\n",
            "p/plan.yaml": """
            auth: none
            cases:
              - id: a
                each: {file: ../data/users.csv}
                request: GET {{ base_url }}/{{ item.emial }}
                expect: {status: 200}
              - id: b
                each: {file: nothing.csv}
                request: GET {{ base_url }}/b
                expect: {status: 200}
              - id: c
                each: {file: ../../outside.csv}
                request: GET {{ base_url }}/c
                expect: {status: 200}
              - id: d
                each: [{plan: free}, {plan: pro}]
                request: GET {{ base_url }}/{{ item.plan }}/{{ item.seats }}
                expect: {status: 200}
            """,
        ])
        XCTAssertEqual(lint(dir), [
            "plan.yaml:5:36 item-field the CSV header of ../data/users.csv has no column 'emial'",
            "plan.yaml:8:18 each-file data file 'nothing.csv' not found",
            "plan.yaml:12:18 each-file data file '../../outside.csv' is outside the suite folder",
            "plan.yaml:17:52 item-field the elements of `each` (the inline list) have no field 'seats'",
        ])
        let hint = Lint.run(paths: [dir], options: CompileOptions(cliVars: ["base_url": "http://x"])).diagnostics.first?.hint
        XCTAssertEqual(hint, "did you mean 'email'?")
    }

    func testExtendsMergesDeeplyCaseWinsListsReplacedInOrder() throws {
        let dir = try suiteDir([
            "rehearse.yaml": """
            version: 1
            templates:
              base:
                tags: [a, b]
                request: {headers: {Accept: application/json, X-One: base}}
                expect: {status: 200, headers: {Content-Type: {contains: json}}}
              second:
                request: {headers: {X-One: second, X-Two: second}}
                retry: {attempts: 1}
            """,
            "plan.yaml": """
            auth: none
            cases:
              - id: a
                extends: [base, second]
                tags: [c]
                request: {url: "{{ base_url }}/a", headers: {X-Two: case}}
                expect: {status: 201}
            """,
        ])
        let loaded = SuiteLoader.load(paths: [dir])
        XCTAssertEqual(loaded.diagnostics.map(\.message), [])
        let c = try XCTUnwrap(loaded.plans.first?.cases.first)
        XCTAssertEqual(c.tags, ["c"], "lists are replaced")
        guard case .http(let spec) = c.kind else { return XCTFail("not http") }
        XCTAssertEqual(spec.headers.map { "\($0.0)=\($0.1.source)" }, ["Accept=application/json", "X-One=second", "X-Two=case"])
        XCTAssertEqual(c.expect.status?.description, "201", "the case wins")
        XCTAssertNotNil(c.expect.headers.first, "maps merge deeply")
        XCTAssertEqual(c.retry?.attempts, 1)
        let resolved = SuiteLoader.resolvedCases(planFile: dir + "/plan.yaml", suiteFile: dir + "/rehearse.yaml")["a"]
        XCTAssertEqual(resolved?["retry"], ["attempts": 1])
        XCTAssertEqual(resolved?["request"]?["headers"]?["X-One"], "second")
        XCTAssertNil(resolved?["extends"])
    }

    func testTemplateErrorsPointAtThePlanAndNameTheTemplateLine() throws {
        let dir = try suiteDir([
            "rehearse.yaml": "version: 1\ntemplates:\n  broken:\n    expect: {status: 200, bodee: x}\n    request: {headers: {X: \"{{ nope }}\"}}\n",
            "plan.yaml": "auth: none\ncases:\n  - id: a\n    extends: brokn\n    request: GET {{ base_url }}/a\n    expect: {status: 200}\n  - id: b\n    extends: broken\n    request: {url: \"{{ base_url }}/b\"}\n",
        ])
        let result = Lint.run(paths: [dir], options: CompileOptions(cliVars: ["base_url": "http://x"]))
        let shown = result.diagnostics.map { "\($0.location.position?.line ?? 0) \($0.code) \($0.message) | \($0.hint ?? "")" }
        let file = dir + "/rehearse.yaml"
        XCTAssertEqual(shown, [
            "4 unknown-template unknown template 'brokn' | did you mean 'broken'?",
            "8 unknown-key unknown key 'bodee' in expect | did you mean 'body'? (this key comes from template 'broken' (\(file):3))",
            "8 unknown-name unknown name 'nope' | define it under `vars:` (plan, environment or suite), or pass --var nope=VALUE (this key comes from template 'broken' (\(file):3))",
        ])
        XCTAssertTrue(result.diagnostics.allSatisfy { $0.location.file.hasSuffix("plan.yaml") })
    }

    // MARK: graph

    func testInstanceKeysAreUniqueWhateverTheNames() {
        func keys(_ yaml: String) -> [String] {
            guard case .array(let items)? = try? JSONValue.parse(Array(yaml.utf8)) else { return [] }
            return EachSpec.keys(of: items)
        }
        XCTAssertEqual(keys(#"[{"name": "free"}, {"name": "pro"}, {}]"#), ["free", "pro", "2"])
        // A name that is another element's index, and two equal names: those fall back to indexes.
        XCTAssertEqual(keys(#"[{"name": "1", "v": "delta"}, {"v": "beta"}]"#), ["0", "1"])
        XCTAssertEqual(keys(#"[{"name": "x"}, {"name": "x"}, {"name": "y"}]"#), ["0", "1", "y"])
        // Falling back can make a new clash ("0" is the third element's name): resolved again.
        XCTAssertEqual(keys(#"[{"name": "a"}, {"name": "a"}, {"name": "0"}]"#), ["0", "1", "2"])
        XCTAssertEqual(keys(#"[{"name": 7}, {"name": "7"}]"#), ["0", "1"])
    }

    func testStaticInstancesShareTheParsedCase() throws {
        let rows = (0..<500).map { "{name: u\($0), n: \($0)}" }.joined(separator: ", ")
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        cases:
          - {id: each, each: [\(rows)], request: "GET {{ base_url }}/{{ item.n }}", expect: {status: 200}}
          - {id: after, needs: [each], request: "GET {{ base_url }}/x", expect: {status: 200}}
        """])
        XCTAssertEqual(graph.nodes.count, 501)
        XCTAssertEqual(graph.nodes[0].name, "p/each[u0]")
        XCTAssertEqual(graph.nodes[499].name, "p/each[u499]")
        let refs = Set(graph.cases.values.filter { $0.instance != nil }.map(\.ref))
        XCTAssertEqual(refs.count, 1, "every instance points at the one parsed case")
        XCTAssertEqual(graph.nodes[500].dependencies.count, 500, "the dependent waits for every instance")
    }

    func testListAndGraphShowRuntimeExpansion() throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        cases:
          - {id: list, request: "GET {{ base_url }}/ids", expect: {status: 200}, capture: {ids: "$.ids"}}
          - {id: each, each: "{{ list.ids }}", request: "GET {{ base_url }}/{{ item }}", expect: {status: 200}}
        teardown:
          - {id: cleanup, request: "GET {{ base_url }}/cleanup", expect: {status: 200}}
        """])
        let list = CaseListRenderer.text(graph)
        XCTAssertTrue(list.contains("p/each") && list.contains("(expanded at run time from list.ids)"), list)
        XCTAssertTrue(list.contains("teardown"), list)
        let text = GraphRenderer.render(graph, format: .text)
        XCTAssertTrue(text.contains("(expanded at run time from list.ids)"), text)
        XCTAssertTrue(text.contains("p/cleanup  <- p/list (teardown), p/each (teardown)"), text)
    }

    // MARK: engine

    func testCapturesOfInstancesAreArraysAndAnEmptyListSaysSo() async throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        cases:
          - id: make
            each: [{name: a}, {name: b}, {name: c}]
            request: POST {{ base_url }}/make/{{ item.name }}
            expect: {status: 200}
            capture: {id: $.id}
          - id: use
            request: {method: POST, url: "{{ base_url }}/use", json: {ids: "{{ make.id }}"}}
            expect: {status: 200}
            capture: {none: $.none}
          - id: over-none
            each: "{{ use.none }}"
            request: GET {{ base_url }}/never/{{ item }}
            expect: {status: 200}
        """])
        let transport = FakeTransport { request, _ in
            if request.url.hasSuffix("/use") { return FakeTransport.json(200, #"{"none": []}"#) }
            let name = request.url.split(separator: "/").last.map(String.init) ?? ""
            return FakeTransport.json(200, #"{"id": "id-\#(name)"}"#)
        }
        let (report, _) = try await EngineFixtures.run(graph, transport: transport)
        XCTAssertEqual(report.results.map(\.caseID), ["make[a]", "make[b]", "make[c]", "use", "over-none"])
        let use = try XCTUnwrap(transport.requests.first { $0.url.hasSuffix("/use") })
        XCTAssertEqual(String(decoding: use.body ?? [], as: UTF8.self), #"{"ids":["id-a","id-b","id-c"]}"#)
        XCTAssertEqual(report.outcome("over-none"), .skipped)
        XCTAssertEqual(report.result("over-none")?.reason, "each: use.none is an empty list: 0 instances")
        XCTAssertEqual(transport.count("/never"), 0)
    }

    func testTeardownRunsAfterAnInterrupt() async throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        cases:
          - {id: make, request: "POST {{ base_url }}/make", expect: {status: 200}}
          - {id: hang, needs: [make], request: "GET {{ base_url }}/hang", expect: {status: 200}}
          - {id: later, needs: [hang], request: "GET {{ base_url }}/later", expect: {status: 200}}
        teardown:
          - {id: cleanup, request: "DELETE {{ base_url }}/things/1", expect: {status: 200}}
        """])
        var options = RunOptions()
        options.seed = 1
        let transport = HangingTransport()
        let context = try RunContext(graph: graph, options: options, transport: transport, clock: FakeClock())
        let run = Task { await Runner.run(context) }
        let deadline = ContinuousClock.now + .seconds(5)
        while transport.hanging == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        context.cancel()
        let report = await run.value
        XCTAssertTrue(report.interrupted)
        XCTAssertEqual(report.results.map(\.caseID), ["make", "hang", "later", "cleanup"])
        XCTAssertEqual(report.outcome("hang"), .errored)
        XCTAssertEqual(report.outcome("later"), .skipped)
        XCTAssertEqual(report.outcome("cleanup"), .passed, "teardown runs once more after the interrupt")
        XCTAssertTrue(context.isCancelled, "the run stays interrupted")
    }
}

extension AuthoringTests {
    /// `rehearse list --format json --resolved` on the example suite: a case with `extends` shows
    /// the template's headers and expectations merged in, an instance its element.
    func testListResolvedShowsCasesFullyMerged() throws {
        let plans = ExamplePlansTests.repo.appendingPathComponent("plans").path
        let out = Mutex("")
        let console = Console(out: { text in out.withLock { $0 += text } }, err: { _ in })
        let request = Pipeline.PlanRequest(paths: [plans], options: CompileOptions(selection: Selection(filters: ["high/authoring/*"])))
        XCTAssertEqual(Pipeline.list(request, format: .json, resolved: true, console: console), .ok)
        let rows = try JSONValue.parse(out.withLock { $0 })
        guard case .array(let all) = rows else { return XCTFail("not a list") }
        let byID = Dictionary(all.compactMap { row -> (String, JSONValue)? in
            guard case .string(let id)? = row["id"] else { return nil }
            return (id, row)
        }, uniquingKeysWith: { a, _ in a })
        let create = try XCTUnwrap(byID["high/authoring/create-thread"]?["case"])
        XCTAssertEqual(create["request"]?["headers"]?["Accept"], "application/json")
        XCTAssertEqual(create["expect"]?["status"], 201)
        XCTAssertNotNil(create["expect"]?["headers"]?["Content-Type"])
        XCTAssertNil(create["extends"])
        let ada = try XCTUnwrap(byID["high/authoring/greet-user[ada]"]?["case"])
        XCTAssertEqual(ada["item"]?["email"], "ada@example.com")
        XCTAssertEqual(ada["index"], 0)
        XCTAssertEqual(byID["high/authoring/read-mine"]?["each"], "expanded at run time from list-mine.ids")
        XCTAssertEqual(byID["high/authoring/delete-thread"]?["tags"], ["authoring", "teardown"])
    }
}

extension AuthoringTests {
    /// JSON and YAML data files give one instance per element; a YAML file under `_data` is not a plan.
    func testJSONAndYAMLDataFiles() throws {
        let dir = try suiteDir([
            "rehearse.yaml": "version: 1\n",
            "_data/tiers.yaml": "- {name: free, seats: 1}\n- {name: pro, seats: 5}\n",
            "_data/ids.json": "[10, 20, 30]",
            "_data/object.json": "{\"a\": 1}",
            "plan.yaml": """
            auth: none
            cases:
              - {id: tier, each: {file: _data/tiers.yaml}, request: "GET {{ base_url }}/{{ item.name }}?s={{ item.seats }}", expect: {status: 200}}
              - {id: id, each: {file: _data/ids.json}, request: "GET {{ base_url }}/{{ item }}", expect: {status: 200}}
            """,
        ])
        let result = Lint.run(paths: [dir], options: CompileOptions(cliVars: ["base_url": "http://x"]))
        XCTAssertEqual(result.diagnostics.map(\.message), [])
        XCTAssertEqual(result.graph?.nodes.map(\.name), ["plan/tier[free]", "plan/tier[pro]", "plan/id[0]", "plan/id[1]", "plan/id[2]"])
        try "auth: none\ncases:\n  - {id: o, each: {file: _data/object.json}, request: \"GET {{ base_url }}/x\", expect: {status: 200}}\n"
            .write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        XCTAssertEqual(lint(dir), ["plan.yaml:3:26 each-file data file '_data/object.json' holds an object, not a list"])
    }
}
