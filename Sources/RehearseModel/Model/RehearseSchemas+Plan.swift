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
        "cases": {"type": "array", "description": "The cases of this plan.", "items": {"$ref": "#/$defs/case"}},
        "teardown": {"type": "array", "description": "Cases that run after every other case of the plan has ended, whatever the outcomes, and after an interrupt (within 5 s). Reported tagged `teardown`; one whose capture is missing is skipped.", "items": {"$ref": "#/$defs/case"}}
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
          "sse": {"$ref": "#/$defs/sse"},
          "auth": {"$ref": "#/$defs/auth"},
          "expect": {"$ref": "#/$defs/expect"},
          "capture": {"$ref": "#/$defs/captures"},
          "needs": {"type": "array", "items": {"type": "string"}, "description": "Ids of cases that must pass first."},
          "retry": {"$ref": "#/$defs/retry", "description": "Overrides the default retry policy."},
          "timeout": {"$ref": "#/$defs/duration", "description": "Per request / per WebSocket step."},
          "load": {"$ref": "#/$defs/load"},
          "skip": {"type": "string", "description": "A reason: the case is reported skipped, not sent."},
          "xfail": {"type": "string", "description": "A reason: a known failure. It passes the run when it fails, and is reported as an unexpected pass when it passes."},
          "each": {"$ref": "#/$defs/each"},
          "extends": {
            "description": "A template of rehearse.yaml's `templates:`, or a list applied in order: maps merge deeply, the case's own keys win, lists are replaced.",
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
          }
        },
        "not": {"anyOf": [{"required": ["load", "websocket"]}, {"required": ["load", "sse"]}]},
        "if": {"required": ["extends"]},
        "else": {
          "oneOf": [{"required": ["request"]}, {"required": ["websocket"]}, {"required": ["sse"]}],
          "if": {
            "not": {
              "anyOf": [
                {"required": ["websocket"], "properties": {"websocket": {"required": ["steps"], "properties": {"steps": {"contains": {"$ref": "#/$defs/checkingStep"}}}}}},
                {"required": ["sse"], "properties": {"sse": {"required": ["steps"], "properties": {"steps": {"contains": {"$ref": "#/$defs/checkingStep"}}}}}},
                {"required": ["retry"], "properties": {"retry": {"required": ["until"]}}}
              ]
            }
          },
          "then": {"required": ["expect"], "properties": {"expect": {"minProperties": 1}}}
        }
      },
      "each": {
        "description": "Repeat the case over a list: inline, {file: PATH} (CSV with a header row, or a JSON/YAML list, beside the plan) or a capture \"{{ case-id.list }}\" (expanded at run time). {{ item }}, {{ item.field }} and {{ index }} hold the element; results are case-id[INDEX], or case-id[NAME] when the element has a name.",
        "anyOf": [
          {"type": "array"},
          {
            "type": "object",
            "additionalProperties": false,
            "required": ["file"],
            "properties": {"file": {"type": "string", "description": "A data file relative to the plan, inside the suite folder: .csv (header row), .json or .yaml (a list)."}}
          },
          {"type": "string", "pattern": "^\\s*\\{\\{.*\\}\\}\\s*$"}
        ]
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
          "connections": {"$ref": "#/$defs/positiveInteger", "description": "Open model: the most connections kept to the host; a start that finds none idle waits for the next one free, its latency still counted from when it was due (default: max_in_flight)."},
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
          {"required": ["requests"], "not": {"anyOf": [{"required": ["rate"]}, {"required": ["stages"]}, {"required": ["duration"]}, {"required": ["max_in_flight"]}, {"required": ["connections"]}]}},
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
        "description": "One of send, receive, events, collect or close.",
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
              "event": {"$ref": "#/$defs/matcher", "description": "SSE only: the event name (default `message`)."},
              "id": {"$ref": "#/$defs/matcher", "description": "SSE only: the event id."},
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
          },
          "events": {"$ref": "#/$defs/events"},
          "collect": {"$ref": "#/$defs/collect"}
        }
      },
      "checkingStep": {
        "anyOf": [{"required": ["receive"]}, {"required": ["events"]}, {"required": ["collect"]}]
      },
      "sse": {
        "type": "object",
        "additionalProperties": false,
        "required": ["url"],
        "description": "A Server-Sent Events case: any request form of `request`, then steps over the text/event-stream answer.",
        "not": {"anyOf": [{"required": ["json", "body"]}, {"required": ["json", "form"]}, {"required": ["body", "form"]}]},
        "properties": {
          "method": {"type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "get", "post", "put", "patch", "delete", "head", "options"], "default": "GET", "description": "The HTTP method (default GET); agent streams usually start with a POST."},
          "url": {"type": "string", "description": "The URL, with a scheme or a variable: \"{{ base_url }}/api/agents/stream\"."},
          "headers": {"$ref": "#/$defs/scalarMap", "description": "Headers sent with this request, after the suite's and the environment's."},
          "query": {"$ref": "#/$defs/scalarMap", "description": "Query parameters, added to the URL encoded."},
          "json": {"description": "A JSON request body; strings may hold templates."},
          "body": {"type": "string", "description": "A raw request body."},
          "form": {"$ref": "#/$defs/scalarMap", "description": "A form-encoded request body."},
          "timeout": {"$ref": "#/$defs/duration", "description": "Bounds the connect and the wait for the response head."},
          "steps": {
            "type": "array",
            "description": "receive, events and collect steps, in order (send and close are WebSocket-only).",
            "items": {"allOf": [{"$ref": "#/$defs/step"}], "not": {"anyOf": [{"required": ["send"]}, {"required": ["close"]}]}}
          }
        }
      },
      "messageMatcher": {
        "type": "object",
        "additionalProperties": false,
        "description": "A message matcher: every key given must hold.",
        "properties": {
          "event": {"$ref": "#/$defs/matcher", "description": "SSE only: the event name (default `message`)."},
          "id": {"$ref": "#/$defs/matcher", "description": "SSE only: the event id."},
          "json": {"$ref": "#/$defs/jsonAssertions"},
          "text": {"$ref": "#/$defs/matcher", "description": "A matcher against the raw data."},
          "capture": {"$ref": "#/$defs/messageCaptures"}
        }
      },
      "events": {
        "type": "object",
        "additionalProperties": false,
        "description": "Messages that must arrive, in order or in any order; others are passed over.",
        "oneOf": [{"required": ["in_order"]}, {"required": ["any_order"]}],
        "properties": {
          "in_order": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/messageMatcher"}, "description": "Each must arrive, in this order; others may come between."},
          "any_order": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/messageMatcher"}, "description": "Each must arrive, in any order."},
          "forbid": {"type": "array", "items": {"$ref": "#/$defs/messageMatcher"}, "description": "A matching message fails the step at once."},
          "within": {"$ref": "#/$defs/duration"}
        }
      },
      "collect": {
        "type": "object",
        "additionalProperties": false,
        "description": "Gathers matching messages until `until` matches, the stream ends or `within` runs out.",
        "properties": {
          "match": {"$ref": "#/$defs/messageMatcher", "description": "Which messages to collect (default: all)."},
          "join": {"$ref": "#/$defs/jsonPath", "description": "Turns each collected message into text; the texts are concatenated."},
          "until": {"$ref": "#/$defs/messageMatcher", "description": "The message that ends the step."},
          "within": {"$ref": "#/$defs/duration"},
          "count": {"$ref": "#/$defs/matcher", "description": "A matcher on the number of collected messages."},
          "text": {"$ref": "#/$defs/matcher", "description": "A matcher on the joined text."},
          "first": {
            "description": "Limit on the time to the first collected message.",
            "anyOf": [
              {"$ref": "#/$defs/duration"},
              {"type": "object", "additionalProperties": false, "required": ["max"], "properties": {"max": {"$ref": "#/$defs/duration"}}}
            ]
          },
          "gap": {
            "type": "object",
            "additionalProperties": false,
            "minProperties": 1,
            "description": "Limits on the gaps between consecutive collected messages (nearest rank).",
            "properties": {
              "p50": {"$ref": "#/$defs/duration"}, "p90": {"$ref": "#/$defs/duration"}, "p95": {"$ref": "#/$defs/duration"},
              "p99": {"$ref": "#/$defs/duration"}, "max": {"$ref": "#/$defs/duration"}
            }
          },
          "capture": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$", "description": "Names the joined text: {{ case-id.NAME }}."}
        }
      }
    }
    """#]
}
