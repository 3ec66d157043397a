import XCTest

@testable import RehearseModel

/// The plan schema's `load` (closed and open model) and the load expectations, as editors see them.
final class RehearseSchemaLoadTests: XCTestCase {
    static let validator = try! JSONSchemaValidator(schema: RehearseSchemas.plan)

    func violations(_ load: String, expect: String = #"{"status": 200}"#) throws -> [String] {
        let plan = #"{"cases": [{"id": "a", "request": "GET http://x", "load": "# + load + #", "expect": "# + expect + "}]}"
        return Self.validator.validate(try JSONValue.parse(plan)).map { "\($0.instancePath): \($0.message)" }
    }

    func testEveryShapeOfLoadIsAccepted() throws {
        XCTAssertEqual(try violations(#"{"requests": 10, "concurrency": 2}"#), [])
        XCTAssertEqual(try violations(#"{"rate": "500/s", "duration": "30s", "max_in_flight": 200}"#), [])
        XCTAssertEqual(try violations(#"{"rate": "30/m", "requests": 20}"#), [])
        XCTAssertEqual(try violations(#"{"rate": "9000/s", "duration": "5s", "connections": 16}"#), [])
        XCTAssertEqual(try violations(#"{"stages": [{"rate": "100/s", "for": "10s"}, {"rate": "0/s", "for": "1m"}], "max_in_flight": 9}"#), [])
        XCTAssertEqual(try violations(#"{"rate": "5/s", "duration": "1s"}"#,
                                      expect: #"{"errors": {"max": "0.5%"}, "dropped": {"max": 0}, "latency": {"p99.99": "1s"}}"#), [])
    }

    func testLoadMistakesAreRejected() throws {
        let rejected = [
            #"{"rate": "500", "duration": "10s"}"#,                              // no unit
            #"{"rate": "500/d", "duration": "10s"}"#,                            // not a unit of time
            #"{"rate": "100/s"}"#,                                               // neither duration nor requests
            #"{"rate": "100/s", "duration": "10s", "requests": 5}"#,             // both
            #"{"rate": "100/s", "duration": "10s", "concurrency": 5}"#,          // a closed-model key
            #"{"rate": "100/s", "stages": [{"rate": "1/s", "for": "1s"}]}"#,     // rate beside stages
            #"{"stages": [{"rate": "1/s"}]}"#,                                    // a stage without `for`
            #"{"stages": []}"#,
            #"{"requests": 10, "max_in_flight": 5}"#,                            // an open-model key in a closed load
            #"{"rate": "100/s", "duration": "10s", "max_in_flight": 0}"#,
            #"{"requests": 10, "concurrency": 2, "connections": 2}"#,            // the closed model has a connection per slot
            #"{"rate": "100/s", "duration": "10s", "connections": 0}"#,
        ]
        for load in rejected {
            XCTAssertNotEqual(try violations(load), [], load)
        }
        XCTAssertNotEqual(try violations(#"{"rate": "5/s", "duration": "1s"}"#, expect: #"{"errors": {"max": "lots"}}"#), [])
        XCTAssertNotEqual(try violations(#"{"rate": "5/s", "duration": "1s"}"#, expect: #"{"dropped": {"max": -1}}"#), [])
        XCTAssertNotEqual(try violations(#"{"rate": "5/s", "duration": "1s"}"#, expect: #"{"latency": {"p99.5": "1s"}}"#), [])
    }
}
