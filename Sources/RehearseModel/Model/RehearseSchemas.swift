/// The JSON Schema (draft 2020-12) documents for Rehearse's files: what `rehearse schema` prints
/// and what editors load through `# yaml-language-server: $schema=...`.
///
/// They describe the plan format, version 1, for editors: completion, hover text, and squiggles
/// for unknown keys and wrong types. The plan parser remains the authority; it also checks what a
/// schema cannot say (unique case ids, template names, dependency cycles). Counts and numbers are
/// plain numbers, as the parser requires.
public enum RehearseSchemas {
    /// The schema for a plan file (`plans/**/*.yaml`).
    public static let plan: JSONValue = assemble(planDocument, definitions: planDefinitions)

    /// The schema for the suite config, `rehearse.yaml`.
    public static let suite: JSONValue = assemble(suiteDocument, definitions: suiteDefinitions)

    /// The names `document(for:)` accepts.
    public static let kinds = ["plan", "suite"]

    /// The schema named `kind` ("plan" or "suite"), or nil for any other name.
    public static func document(for kind: String) -> JSONValue? {
        switch kind {
        case "plan": return plan
        case "suite": return suite
        default: return nil
        }
    }

    /// Parses a document and adds the shared definitions to its `$defs`: each document must stand
    /// alone (an editor fetches one URL), but requests, expectations and retry policies are
    /// written the same way in both files and are defined once here.
    private static func assemble(_ text: String, definitions: [String]) -> JSONValue {
        do {
            guard case .object(var root) = try JSONValue.parse(text) else { fatalError("RehearseSchemas: a document is not an object") }
            var defs: [String: JSONValue] = [:]
            for part in [sharedDefinitions] + definitions {
                guard case .object(let d) = try JSONValue.parse(part) else { fatalError("RehearseSchemas: $defs is not an object") }
                defs.merge(d) { _, _ in fatalError("RehearseSchemas: a definition is declared twice") }
            }
            root["$defs"] = .object(defs)
            return allowingExtensions(.object(root))
        } catch {
            // The texts are constants covered by tests; reaching this is a bug in this file.
            fatalError("RehearseSchemas: \(error)")
        }
    }
}

extension RehearseSchemas {
    /// Every closed object (`additionalProperties: false`) also accepts `x-` keys, as lint and run
    /// ignore them at any level of a plan or suite config (spec §7): they hold YAML anchors.
    static func allowingExtensions(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(var o):
            for (k, v) in o { o[k] = allowingExtensions(v) }
            if o["additionalProperties"] == .bool(false) {
                var patterns: [String: JSONValue] = [:]
                if case .object(let existing)? = o["patternProperties"] { patterns = existing }
                patterns["^x-"] = .bool(true)
                o["patternProperties"] = .object(patterns)
                // "Exactly one of these keys" as a key count would count the x- keys too; say it
                // as exactly one of them being present instead.
                if o["minProperties"] == .number(1), o["maxProperties"] == .number(1),
                   case .object(let properties)? = o["properties"], o["oneOf"] == nil {
                    o["minProperties"] = nil
                    o["maxProperties"] = nil
                    o["oneOf"] = .array(properties.keys.sorted().map { .object(["required": .array([.string($0)])]) })
                }
            }
            return .object(o)
        case .array(let a): return .array(a.map(allowingExtensions))
        default: return value
        }
    }

    /// Values and objects that plans and the suite config write alike.
    static let sharedDefinitions = #"""
    {
      "duration": {
        "type": "string",
        "pattern": "^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$",
        "description": "A number and a unit: ms, s, m or h (250ms, 1.5s, 15m).",
        "examples": ["500ms", "10s", "15m"]
      },
      "positiveInteger": {
        "type": "integer", "minimum": 1
      },
      "count": {
        "type": "integer", "minimum": 0
      },
      "number": {
        "type": "number"
      },
      "jsonPath": {
        "type": "string",
        "pattern": "^\\$",
        "description": "An RFC 9535 JSONPath: $.a.b, $['a b'], $.items[0], $.items[*].id, $..id, $.items[?@.state == 'ready'].",
        "examples": ["$.id", "$.items[0].name"]
      },
      "vars": {
        "type": "object",
        "propertyNames": {"pattern": "^[A-Za-z0-9_-]+$"},
        "description": "Variables for {{ name }} templates. Names hold letters, digits, '_' and '-'."
      },
      "scalarMap": {
        "type": "object",
        "additionalProperties": {"type": ["string", "number", "boolean"]}
      },
      "statusCode": {"type": "integer", "minimum": 100, "maximum": 599},
      "statusClass": {
        "type": "string",
        "pattern": "^[1-5]xx$",
        "description": "A class of statuses: \"2xx\", \"4xx\"."
      },
      "status": {
        "description": "The expected HTTP status: a code (403), a class (\"4xx\") or a list of them ([401, 403]). A WebSocket case expects 101 (handshake accepted) unless told otherwise.",
        "anyOf": [
          {"$ref": "#/$defs/statusCode"},
          {"$ref": "#/$defs/statusClass"},
          {"type": "array", "minItems": 1, "items": {"anyOf": [{"$ref": "#/$defs/statusCode"}, {"$ref": "#/$defs/statusClass"}]}}
        ]
      },
      "auth": {
        "description": "Credentials for the request: `none`, the name of a profile in rehearse.yaml, or {use: PROFILE, mode: MODE} for negative tests.",
        "anyOf": [
          {"type": "string", "minLength": 1, "examples": ["none"]},
          {
            "type": "object",
            "additionalProperties": false,
            "required": ["use"],
            "properties": {
              "use": {"type": "string", "minLength": 1, "description": "The auth profile (from rehearse.yaml)."},
              "mode": {
                "enum": ["valid", "missing", "malformed", "expired", "wrong-secret", "tampered", "none-alg"],
                "description": "What is sent: valid (the default), missing (no credentials), malformed (not a token), expired, wrong-secret, tampered or none-alg. The last four need a jwt profile."
              }
            }
          }
        ]
      },
      "request": {
        "description": "An HTTP request: the shorthand \"METHOD URL\" or a map with method, url, headers, query, json / body / form and timeout.",
        "anyOf": [
          {"type": "string", "pattern": "^\\s*(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\\s+\\S", "examples": ["GET {{ base_url }}/health"]},
          {"$ref": "#/$defs/requestMap"}
        ]
      },
      "requestMap": {
        "type": "object",
        "additionalProperties": false,
        "required": ["url"],
        "properties": {
          "method": {
            "enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "get", "post", "put", "patch", "delete", "head", "options"],
            "default": "GET",
            "description": "The HTTP method (default GET)."
          },
          "url": {"type": "string", "description": "The URL, with a scheme or a variable: \"{{ base_url }}/api/chat\"."},
          "headers": {"$ref": "#/$defs/scalarMap", "description": "Headers sent with this request, after the suite's and the environment's."},
          "query": {"$ref": "#/$defs/scalarMap", "description": "Query parameters, added to the URL encoded."},
          "json": {"description": "A JSON body (sent with Content-Type: application/json); strings may hold templates."},
          "body": {"type": "string", "description": "A raw text body."},
          "form": {"$ref": "#/$defs/scalarMap", "description": "A form body (application/x-www-form-urlencoded)."},
          "timeout": {"$ref": "#/$defs/duration", "description": "Overrides the case's and the suite's timeout."}
        },
        "not": {"anyOf": [{"required": ["json", "body"]}, {"required": ["json", "form"]}, {"required": ["body", "form"]}]}
      },
      "matcher": {
        "description": "A value to compare with (JSON types compared as JSON), or a map of matchers that must all hold: equals, not, matches, contains, exists, type, length, min, max, one_of. To compare with an object write {equals: {...}}.",
        "anyOf": [
          {"type": ["string", "number", "boolean", "null", "array"]},
          {"$ref": "#/$defs/matcherMap"}
        ]
      },
      "matcherMap": {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": false,
        "properties": {
          "equals": {"description": "Equal to this value, compared as JSON."},
          "not": {"$ref": "#/$defs/matcher", "description": "This matcher must not hold."},
          "matches": {"type": "string", "description": "A Swift Regex the text must match; unanchored unless written with ^ or $."},
          "contains": {"description": "A substring of a string, an element of an array or a key of an object."},
          "exists": {"type": "boolean", "description": "Whether the path selects anything; {exists: false} passes when it selects nothing."},
          "type": {
            "enum": ["string", "number", "integer", "boolean", "array", "object", "null"],
            "description": "The JSON type of the value."
          },
          "length": {
            "description": "The length of a string, array or object: exact (3) or {min, max}.",
            "anyOf": [
              {"$ref": "#/$defs/count"},
              {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "min": {"$ref": "#/$defs/count", "description": "The shortest length allowed."},
                  "max": {"$ref": "#/$defs/count", "description": "The longest length allowed."}
                }
              }
            ]
          },
          "min": {"$ref": "#/$defs/number", "description": "The smallest number allowed."},
          "max": {"$ref": "#/$defs/number", "description": "The largest number allowed."},
          "one_of": {"type": "array", "description": "Equal to one of these values."}
        }
      },
      "jsonAssertions": {
        "type": "object",
        "description": "JSONPath → matcher, e.g. {$.status: healthy}.",
        "propertyNames": {"$ref": "#/$defs/jsonPath"},
        "additionalProperties": {"$ref": "#/$defs/matcher"}
      },
      "expect": {
        "type": "object",
        "additionalProperties": false,
        "description": "What must hold for the case to pass.",
        "properties": {
          "status": {"$ref": "#/$defs/status"},
          "json": {"$ref": "#/$defs/jsonAssertions", "description": "JSONPath → matcher over the JSON body. A path that selects nothing fails unless the matcher is {exists: false}."},
          "headers": {
            "type": "object",
            "description": "Header name (case-insensitive) → matcher.",
            "additionalProperties": {"$ref": "#/$defs/matcher"}
          },
          "body": {"$ref": "#/$defs/matcher", "description": "A matcher against the raw body text."},
          "duration": {
            "description": "The longest the whole exchange may take: {max: 500ms}.",
            "anyOf": [
              {"$ref": "#/$defs/duration"},
              {"type": "object", "additionalProperties": false, "required": ["max"], "properties": {"max": {"$ref": "#/$defs/duration"}}}
            ]
          },
          "latency": {
            "type": "object",
            "additionalProperties": false,
            "description": "With `load`: limits on latency percentiles over all responses.",
            "properties": {
              "p50": {"$ref": "#/$defs/duration", "description": "Half of the responses are at least this fast."},
              "p90": {"$ref": "#/$defs/duration", "description": "90% of the responses are at least this fast."},
              "p95": {"$ref": "#/$defs/duration", "description": "95% of the responses are at least this fast."},
              "p99": {"$ref": "#/$defs/duration", "description": "99% of the responses are at least this fast."},
              "p99.9": {"$ref": "#/$defs/duration", "description": "99.9% of the responses are at least this fast."},
              "p99.99": {"$ref": "#/$defs/duration", "description": "99.99% of the responses are at least this fast."},
              "max": {"$ref": "#/$defs/duration", "description": "The slowest response."}
            }
          },
          "errors": {
            "type": "object",
            "additionalProperties": false,
            "required": ["max"],
            "description": "With `load`: how many requests may fail (expectations not met, transport errors), as a share (0.5%) or a number.",
            "properties": {
              "max": {"description": "A share of the requests sent (\"0.5%\") or a number of requests (3).",
                      "anyOf": [{"$ref": "#/$defs/count"}, {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?%$"}]}
            }
          },
          "dropped": {
            "type": "object",
            "additionalProperties": false,
            "required": ["max"],
            "description": "With an open-model `load`: how many starts may be dropped at `max_in_flight`.",
            "properties": {"max": {"$ref": "#/$defs/count", "description": "The most starts that may be dropped."}}
          },
          "schema": {"type": "string", "description": "Path of a JSON Schema file, relative to the plan; the body must validate against it."}
        }
      },
      "retry": {
        "type": "object",
        "additionalProperties": false,
        "description": "Retries: {attempts, backoff, on} for transient failures, or {attempts, interval, until} to poll until an expectation holds.",
        "properties": {
          "attempts": {"$ref": "#/$defs/positiveInteger", "description": "Total tries, the first included."},
          "backoff": {
            "type": "object",
            "additionalProperties": false,
            "description": "Exponential backoff between tries; Retry-After is honoured.",
            "properties": {
              "initial": {"$ref": "#/$defs/duration", "description": "The first wait."},
              "max": {"$ref": "#/$defs/duration", "description": "The longest wait."},
              "factor": {
                "type": "number", "minimum": 1,
                "description": "Each wait is the previous one times this (at least 1)."
              },
              "jitter": {"type": "boolean", "description": "Randomize waits so clients do not retry in step."}
            }
          },
          "on": {
            "type": "array",
            "description": "What is retried: connect, timeout and status codes.",
            "items": {"anyOf": [{"enum": ["connect", "timeout"]}, {"$ref": "#/$defs/statusCode"}]}
          },
          "unsafe": {"type": "boolean", "description": "Also retry non-idempotent requests (POST, PATCH) that were sent."},
          "interval": {"$ref": "#/$defs/duration", "description": "The wait between polls."},
          "until": {"$ref": "#/$defs/expect", "description": "Poll until this expectation holds (needs `attempts`)."}
        },
        "dependentRequired": {"until": ["attempts"]}
      }
    }
    """#
}
