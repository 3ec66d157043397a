/// Plans and suite configs as JSON, the form `RehearseSchemas` validates.
///
/// The spec examples were converted from the YAML in the plan-format spec with YAML 1.2 core
/// scalars (as Rehearse reads them: `on:` is a key, not `true`); keep them in step with the spec.
enum RehearseSchemaFixtures {
    /// Section 2 of the spec: the example `rehearse.yaml`.
    static let specSuite = #"""
    {
      "version": 1,
      "default_env": "local",
      "environments": {
        "local": {"vars": {"base_url": "http://127.0.0.1:8000", "ws_url": "ws://127.0.0.1:8000/ws"}},
        "staging": {
          "vars": {"base_url": "https://api.staging.example.com", "ws_url": "wss://api.staging.example.com/ws"},
          "require_env": ["JWT_SECRET_STAGING"]
        }
      },
      "vars": {"agent": "data_analysis_agent"},
      "headers": {"X-Test-Type": "E2E"},
      "defaults": {
        "timeout": "10s",
        "auth": "staging-jwt",
        "retry": {
          "attempts": 3,
          "backoff": {"initial": "200ms", "max": "5s", "factor": 2, "jitter": true},
          "on": ["connect", "timeout", 502, 503, 504]
        }
      },
      "auth": {
        "staging-jwt": {
          "jwt": {
            "algorithm": "HS256",
            "secret_env": ["JWT_SECRET_STAGING", "JWT_SECRET_KEY", "E2E_BYPASS_KEY", "STAGING_JWT_SECRET"],
            "secret_default": "dev-only-secret",
            "claims": {
              "sub": "e2e-{{ random_hex(8) }}",
              "email": "e2e@example.com",
              "permissions": ["read", "write"],
              "token_type": "access",
              "iss": "example-auth-service"
            },
            "ttl": "15m"
          }
        },
        "ops": {"basic": {"username": "{{ env.OPS_USER }}", "password": "{{ env.OPS_PASSWORD }}"}},
        "api-key": {"header": {"name": "X-API-Key", "value": "{{ env.API_KEY }}"}},
        "static-token": {"bearer": "{{ env.API_TOKEN }}"},
        "session": {
          "login": {
            "request": {
              "method": "POST",
              "url": "{{ base_url }}/auth/login",
              "json": {"user": "{{ env.E2E_USER }}"}
            },
            "expect": {"status": 200},
            "token": "$.access_token"
          }
        }
      }
    }
    """#

    /// Section 3 of the spec: the example plan.
    static let specPlan = #"""
    {
      "name": "Critical staging checks",
      "priority": "critical",
      "tags": ["smoke"],
      "auth": "staging-jwt",
      "vars": {"thread_title": "e2e"},
      "serial": false,
      "cases": [
        {
          "id": "health",
          "name": "Backend is healthy",
          "tags": ["performance"],
          "request": "GET {{ base_url }}/health",
          "expect": {"status": 200, "json": {"$.status": "healthy"}, "duration": {"max": "2s"}}
        },
        {
          "id": "chat-requires-auth",
          "tags": ["security"],
          "auth": "none",
          "request": {
            "method": "POST",
            "url": "{{ base_url }}/api/chat",
            "headers": {"X-Request-Id": "{{ uuid() }}"},
            "json": {"message": "hello"}
          },
          "expect": {"status": [401, 403]}
        },
        {
          "id": "create-thread",
          "request": {
            "method": "POST",
            "url": "{{ base_url }}/api/threads",
            "json": {"title": "{{ thread_title }}"}
          },
          "expect": {"status": 201},
          "capture": {"thread_id": "$.id", "location": {"header": "Location"}}
        },
        {
          "id": "read-thread",
          "request": "GET {{ base_url }}/api/threads/{{ create-thread.thread_id }}",
          "expect": {
            "status": 200,
            "json": {
              "$.id": "{{ create-thread.thread_id }}",
              "$.messages": {"type": "array", "length": {"max": 100}},
              "$.title": {"matches": "^e2e"}
            },
            "headers": {"Content-Type": {"contains": "application/json"}}
          }
        },
        {
          "id": "ws-rejects-bad-token",
          "tags": ["websocket", "security"],
          "auth": {"use": "staging-jwt", "mode": "malformed"},
          "websocket": {"url": "{{ ws_url }}"},
          "expect": {"status": 403}
        },
        {
          "id": "agent-pipeline",
          "tags": ["websocket", "agent"],
          "needs": ["health"],
          "websocket": {
            "url": "{{ ws_url }}",
            "steps": [
              {"receive": {"json": {"$.type": "system_message"}, "within": "5s"}},
              {
                "send": {
                  "json": {
                    "type": "user_message",
                    "content": "Analyze costs",
                    "thread_id": "{{ create-thread.thread_id }}"
                  }
                }
              },
              {"receive": {"json": {"$.type": "agent_started"}, "within": "10s", "skip_others": true}},
              {"receive": {"json": {"$.type": "tool_executing"}, "within": "10s", "skip_others": true}},
              {
                "receive": {
                  "json": {"$.type": "agent_completed"},
                  "within": "60s",
                  "skip_others": true,
                  "capture": {"answer": "$.payload.result"}
                }
              },
              {"close": 1000}
            ]
          }
        },
        {
          "id": "health-under-load",
          "tags": ["performance"],
          "auth": "none",
          "request": "GET {{ base_url }}/health",
          "load": {"requests": 80, "concurrency": 20},
          "expect": {"status": 200, "latency": {"p50": "200ms", "p95": "500ms"}}
        }
      ]
    }
    """#

    /// A suite config using every key and every profile kind, including `header:`/`scheme:` on the profile.
    static let everySuiteKey = #"""
    {
      "version": 1,
      "default_env": "ci",
      "environments": {
        "ci": {
          "vars": {"base_url": "http://localhost:8080"},
          "require_env": ["API_TOKEN"],
          "headers": {"X-Env": "ci"},
          "tls": {"client_cert": "certs/client.pem", "client_key": {"env": "CLIENT_KEY_PEM"}, "ca": "certs/ca.pem"}
        },
        "empty": null
      },
      "vars": {"n": 5},
      "headers": {"User-Agent": "rehearse", "X-Num": 1},
      "templates": {
        "json-api": {
          "tags": ["api"],
          "auth": "none",
          "request": {"headers": {"Accept": "application/json"}},
          "expect": {"status": 200, "headers": {"Content-Type": {"contains": "json"}}},
          "retry": {"attempts": 1},
          "timeout": "5s"
        }
      },
      "defaults": {
        "timeout": "30s",
        "auth": {"use": "rs", "mode": "valid"},
        "retry": {"attempts": 2, "on": [503]}
      },
      "auth": {
        "rs": {
          "jwt": {
            "algorithm": "RS256",
            "private_key_env": "JWT_PRIVATE_KEY",
            "claims": {"aud": "api"},
            "ttl": "1h",
            "header": "X-Auth",
            "scheme": "Token",
            "websocket": "subprotocol"
          }
        },
        "hs-single": {
          "jwt": {"secret_env": "JWT_SECRET"}, "header": "X-Token", "scheme": "JWT",
          "probe": {"request": "GET https://api.example.com/me", "expect": {"status": 200}}
        },
        "client": {
          "oauth2": {
            "token_url": "https://auth.example.com/oauth/token", "client_id": "rehearse", "client_secret": "{{ env.CLIENT_SECRET }}",
            "scope": "read write", "audience": "api", "client_auth": "body", "header": "X-Token", "scheme": "Bearer"
          }
        },
        "custom-bearer": {"bearer": "abc", "header": "X-Api-Token"},
        "login-custom": {
          "login": {
            "request": "POST https://auth.example.com/token",
            "token": "$.data.token",
            "header": "X-Session",
            "scheme": "Session"
          },
          "scheme": "Session"
        }
      }
    }
    """#

    /// A plan using every case, request, expect, matcher, capture, retry and WebSocket key.
    static let everyPlanKey = #"""
    {
      "name": "Everything a plan can say",
      "priority": "high",
      "tags": ["smoke", "nightly"],
      "auth": "none",
      "vars": {"count": 3, "user-name": "alice", "nested": {"a": [1, 2]}},
      "serial": true,
      "cases": [
        {
          "id": "full_request",
          "name": "Every request key",
          "tags": ["api"],
          "priority": "low",
          "auth": {"use": "session"},
          "request": {
            "method": "put",
            "url": "{{ base_url }}/items/1",
            "headers": {"X-Trace": "{{ uuid() }}", "X-Count": 3, "X-Flag": true},
            "query": {"page": 2, "q": "a b"},
            "body": "raw text",
            "timeout": "1.5s"
          },
          "expect": {
            "status": [200, "2xx", 204],
            "json": {
              "$.items[*].id": {"exists": true},
              "$..name": {"not": {"equals": "bob"}},
              "$['a b']": {"matches": "^x", "length": {"min": 1, "max": 5}},
              "$.count": {"min": 0, "max": 100, "type": "integer"},
              "$.obj": {"equals": {"a": 1}},
              "$.list": [1, 2],
              "$.nothing": null,
              "$.state": {"one_of": ["ready", "done"]},
              "$.tags": {"contains": "smoke", "length": 2}
            },
            "headers": {"Content-Type": {"contains": "json"}, "X-Id": "abc"},
            "body": {"matches": "ok"},
            "duration": "500ms",
            "schema": "schemas/item.json"
          },
          "capture": {"etag": {"header": "ETag"}, "token": {"body": "token=(\\w+)"}, "first": "$.items[0].id"},
          "needs": ["other-case"],
          "retry": {
            "attempts": 3,
            "backoff": {"initial": "100ms", "max": "2s", "factor": 1.5, "jitter": false},
            "on": ["connect", "timeout", 429],
            "unsafe": true
          },
          "timeout": "2m",
          "skip": "waiting for TICKET-1"
        },
        {
          "id": "form-post",
          "request": {"method": "POST", "url": "https://example.com/login", "form": {"user": "a", "n": 1}},
          "expect": {"status": "3xx", "duration": {"max": "1h"}},
          "xfail": "known redirect bug"
        },
        {
          "id": "per-tier",
          "extends": ["json-api", "paged"],
          "each": [{"name": "free"}, {"name": "pro"}],
          "request": {"url": "https://example.com/tiers/{{ item.name }}"}
        },
        {
          "id": "per-user",
          "extends": "json-api",
          "each": {"file": "data/users.csv"},
          "request": "GET https://example.com/users/{{ item.email }}",
          "expect": {"status": 200}
        },
        {
          "id": "per-id",
          "each": "{{ poll.ids }}",
          "request": "GET https://example.com/items/{{ item }}",
          "expect": {"status": 200}
        },
        {
          "id": "poll",
          "request": "GET https://example.com/job",
          "retry": {"attempts": 10, "interval": "500ms", "until": {"json": {"$.state": "ready"}}}
        },
        {
          "id": "load-test",
          "request": "GET https://example.com/",
          "load": {"requests": 3, "concurrency": 4},
          "expect": {
            "status": 200,
            "latency": {"p50": "100ms", "p90": "200ms", "p95": "250ms", "p99": "1s", "max": "2s"}
          }
        },
        {
          "id": "open-load",
          "request": "GET https://example.com/",
          "load": {"rate": "500/s", "duration": "30s", "max_in_flight": 200},
          "expect": {
            "status": 200,
            "latency": {"p99.9": "1s", "p99.99": "2s"},
            "errors": {"max": "0.5%"},
            "dropped": {"max": 0}
          }
        },
        {
          "id": "ramp",
          "request": "GET https://example.com/",
          "load": {"stages": [{"rate": "100/s", "for": "10s"}, {"rate": "0/s", "for": "5s"}]},
          "expect": {"status": 200, "errors": {"max": 3}}
        },
        {
          "id": "chat",
          "auth": {"use": "staging-jwt", "mode": "none-alg"},
          "websocket": {
            "url": "{{ ws_url }}",
            "headers": {"Origin": "https://example.com"},
            "subprotocols": ["chat.v1"],
            "steps": [
              {"send": {"text": "hello"}},
              {"send": {"json": [1, {"a": "b"}]}},
              {
                "receive": {
                  "text": {"matches": "^hi"},
                  "within": "250ms",
                  "capture": {"greeting": {"body": "hi (\\w+)"}, "kind": "$.type"}
                }
              },
              {"close": 1000}
            ]
          },
          "expect": {"status": 101}
        }
      ],
      "teardown": [
        {"id": "cleanup", "request": "DELETE https://example.com/items/{{ poll.ids }}", "expect": {"status": [200, 204, 404]}}
      ]
    }
    """#
}
