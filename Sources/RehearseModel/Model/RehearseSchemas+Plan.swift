extension RehearseSchemas {
    static let planDocument = #"""
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "https://rehearse.dev/schema/v1/plan.json",
      "title": "Rehearse plan",
      "description": "A Rehearse test plan: cases that each send an HTTP request or hold a WebSocket conversation, and what must hold.",
      "type": "object",
      "additionalProperties": false,
      "required": ["cases"],
      "properties": {
        "name": {"type": "string", "description": "A title for reports."},
        "priority": {"$ref": "#/$defs/priority"},
        "tags": {"$ref": "#/$defs/tags", "description": "Tags of every case in this plan."},
        "auth": {"$ref": "#/$defs/auth", "description": "Default auth for this plan's cases: `none`, a profile name, or {use, mode}."},
        "vars": {"$ref": "#/$defs/vars", "description": "Variables for this plan's templates; they override the environment's and the suite's."},
        "serial": {"type": "boolean", "default": false, "description": "true: run the cases one after another in file order."},
        "cases": {"type": "array", "description": "The cases of this plan.", "items": {"$ref": "#/$defs/case"}}
      }
    }
    """#

    /// Definitions only plans use.
    static let planDefinitions = [#"""
    {
      "tags": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Labels for selection (--tag, --exclude-tag) and for grouping pass rates in reports."
      },
      "priority": {
        "enum": ["critical", "high", "normal", "low"],
        "description": "critical | high | normal | low (default normal). Selected with --priority; reports group pass rates by it."
      },
      "caseID": {
        "type": "string",
        "pattern": "^[a-z0-9_-]+$",
        "description": "Lowercase letters, digits, '_' and '-'; unique in the plan."
      },
      "case": {
        "type": "object",
        "additionalProperties": false,
        "required": ["id"],
        "properties": {
          "id": {"$ref": "#/$defs/caseID"},
          "name": {"type": "string", "description": "A description for reports."},
          "tags": {"$ref": "#/$defs/tags", "description": "Tags of this case, added to the plan's."},
          "priority": {"$ref": "#/$defs/priority", "description": "Overrides the plan's priority."},
          "request": {"$ref": "#/$defs/request"},
          "websocket": {"$ref": "#/$defs/websocket"},
          "auth": {"$ref": "#/$defs/auth"},
          "expect": {"$ref": "#/$defs/expect"},
          "capture": {"$ref": "#/$defs/captures"},
          "needs": {"type": "array", "items": {"type": "string"}, "description": "Ids of cases that must pass first."},
          "retry": {"$ref": "#/$defs/retry", "description": "Overrides the default retry policy."},
          "timeout": {"$ref": "#/$defs/duration", "description": "Per request / per WebSocket step."},
          "load": {"$ref": "#/$defs/load"},
          "skip": {"type": "string", "description": "A reason: the case is reported skipped, not sent."},
          "xfail": {"type": "string", "description": "A reason: a known failure. It passes the run when it fails, and is reported as an unexpected pass when it passes."}
        },
        "oneOf": [{"required": ["request"]}, {"required": ["websocket"]}],
        "not": {"required": ["load", "websocket"]},
        "if": {
          "not": {
            "anyOf": [
              {"required": ["websocket"], "properties": {"websocket": {"required": ["steps"], "properties": {"steps": {"contains": {"required": ["receive"]}}}}}},
              {"required": ["retry"], "properties": {"retry": {"required": ["until"]}}}
            ]
          }
        },
        "then": {"required": ["expect"], "properties": {"expect": {"minProperties": 1}}}
      },
      "captures": {
        "type": "object",
        "description": "name → JSONPath into the body, {header: NAME} or {body: REGEX} (first group). Used as {{ case-id.name }}.",
        "propertyNames": {"pattern": "^[A-Za-z0-9_-]+$"},
        "additionalProperties": {
          "anyOf": [
            {"$ref": "#/$defs/jsonPath"},
            {
              "type": "object",
              "additionalProperties": false,
              "minProperties": 1,
              "maxProperties": 1,
              "properties": {
                "header": {"type": "string", "description": "Capture this response header."},
                "body": {"type": "string", "description": "A regex over the body text; captures its first group."}
              }
            }
          ]
        }
      },
      "messageCaptures": {
        "type": "object",
        "description": "name → JSONPath into the message, or {body: REGEX} (first group).",
        "propertyNames": {"pattern": "^[A-Za-z0-9_-]+$"},
        "additionalProperties": {
          "anyOf": [
            {"$ref": "#/$defs/jsonPath"},
            {
              "type": "object",
              "additionalProperties": false,
              "required": ["body"],
              "properties": {"body": {"type": "string", "description": "A regex over the message text; captures its first group."}}
            }
          ]
        }
      },
      "load": {
        "type": "object",
        "additionalProperties": false,
        "description": "Send the request many times: `expect` holds for each response, `latency` over all. `requests` at a `concurrency` (closed model), or `rate` with `duration` or `requests`, or `stages` (open model).",
        "properties": {
          "requests": {"$ref": "#/$defs/positiveInteger", "description": "How many requests in total (with `rate`: stop after this many starts)."},
          "concurrency": {"$ref": "#/$defs/positiveInteger", "description": "Closed model: how many at a time (default 1)."},
          "rate": {"$ref": "#/$defs/loadRate", "description": "Open model: requests start at this rate whether or not earlier ones returned."},
          "duration": {"$ref": "#/$defs/duration", "description": "Open model: how long to keep starting requests at `rate`."},
          "max_in_flight": {"$ref": "#/$defs/positiveInteger", "description": "Open model: starts beyond this many requests waiting are counted as dropped, not delayed (default 1000)."},
          "stages": {
            "type": "array",
            "minItems": 1,
            "description": "Open model, instead of rate/duration: each stage ramps from the previous rate (from 0 for the first) to its own.",
            "items": {
              "type": "object",
              "additionalProperties": false,
              "required": ["rate", "for"],
              "properties": {
                "rate": {"$ref": "#/$defs/loadRate", "description": "The rate reached at the end of the stage."},
                "for": {"$ref": "#/$defs/duration", "description": "How long the stage lasts."}
              }
            }
          }
        },
        "oneOf": [
          {"required": ["requests"], "not": {"anyOf": [{"required": ["rate"]}, {"required": ["stages"]}, {"required": ["duration"]}, {"required": ["max_in_flight"]}]}},
          {"required": ["rate"], "not": {"anyOf": [{"required": ["stages"]}, {"required": ["concurrency"]}]}, "oneOf": [{"required": ["duration"]}, {"required": ["requests"]}]},
          {"required": ["stages"], "not": {"anyOf": [{"required": ["rate"]}, {"required": ["duration"]}, {"required": ["requests"]}, {"required": ["concurrency"]}]}}
        ]
      },
      "loadRate": {
        "type": "string",
        "pattern": "^[0-9]+(\\.[0-9]+)?/(s|m|min|h)$",
        "description": "Requests per second, minute or hour: 500/s, 30/m, 1000/h.",
        "examples": ["100/s", "500/s"]
      },
      "websocket": {
        "type": "object",
        "additionalProperties": false,
        "required": ["url"],
        "description": "A WebSocket conversation: the handshake, then the steps in order.",
        "properties": {
          "url": {"type": "string", "description": "A ws:// or wss:// URL, or a variable: \"{{ ws_url }}\"."},
          "headers": {"$ref": "#/$defs/scalarMap", "description": "Headers sent with the handshake."},
          "subprotocols": {"type": "array", "items": {"type": "string"}, "description": "Subprotocols offered in the handshake."},
          "steps": {"type": "array", "items": {"$ref": "#/$defs/step"}, "description": "send, receive and close steps, in order."}
        }
      },
      "step": {
        "type": "object",
        "description": "One of send, receive or close.",
        "minProperties": 1,
        "maxProperties": 1,
        "additionalProperties": false,
        "properties": {
          "send": {
            "type": "object",
            "description": "Send one message: {json: ...} or {text: \"...\"}.",
            "minProperties": 1,
            "maxProperties": 1,
            "additionalProperties": false,
            "properties": {
              "json": {"description": "A JSON message; strings may hold templates."},
              "text": {"type": "string", "description": "A text message."}
            }
          },
          "receive": {
            "type": "object",
            "description": "The next message must match.",
            "additionalProperties": false,
            "properties": {
              "json": {"$ref": "#/$defs/jsonAssertions"},
              "text": {"$ref": "#/$defs/matcher", "description": "A matcher against the message text."},
              "within": {"$ref": "#/$defs/duration", "description": "How long to wait for the message."},
              "skip_others": {"type": "boolean", "default": false, "description": "Pass over messages that don't match until one does or `within` runs out."},
              "capture": {"$ref": "#/$defs/messageCaptures"}
            }
          },
          "close": {
            "description": "Close with this code (1000 is normal); the socket is closed anyway at the end.",
            "type": "integer", "minimum": 1000, "maximum": 4999
          }
        }
      }
    }
    """#]
}
