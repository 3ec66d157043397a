extension RehearseSchemas {
    static let suiteDocument = #"""
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "https://rehearse.dev/schema/v1/suite.json",
      "title": "Rehearse suite config (rehearse.yaml)",
      "description": "Environments, auth profiles and defaults shared by every plan in the directory.",
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "version": {"const": 1, "description": "The format version: 1."},
        "default_env": {"type": "string", "description": "The environment used when --env is not given."},
        "environments": {
          "type": "object",
          "description": "Environment name → its variables, required process variables and headers.",
          "additionalProperties": {"$ref": "#/$defs/environment"}
        },
        "vars": {"$ref": "#/$defs/vars", "description": "Suite-wide variables."},
        "templates": {
          "type": "object",
          "description": "Template name → a partial case (any case keys but `id`), used by cases with `extends: NAME`.",
          "additionalProperties": {"$ref": "#/$defs/caseTemplate"}
        },
        "headers": {"$ref": "#/$defs/scalarMap", "description": "Sent with every HTTP request and WebSocket handshake."},
        "defaults": {
          "type": "object",
          "additionalProperties": false,
          "description": "Defaults for every case.",
          "properties": {
            "timeout": {"$ref": "#/$defs/duration", "description": "Per request / per WebSocket step."},
            "auth": {"$ref": "#/$defs/auth", "description": "Default auth for every case (else none)."},
            "retry": {"$ref": "#/$defs/retry", "description": "The default retry policy for transient failures."}
          }
        },
        "auth": {
          "type": "object",
          "description": "Auth profile name → profile. A profile's token is made (or fetched) once per run and shared.",
          "propertyNames": {"not": {"const": "none"}},
          "additionalProperties": {"$ref": "#/$defs/profile"}
        }
      }
    }
    """#

    /// Definitions only the suite config uses.
    static let suiteDefinitions = [#"""
    {
      "caseTemplate": {
        "type": "object",
        "additionalProperties": false,
        "description": "Case keys merged into every case that extends this template: maps deeply, the case's own keys win, lists are replaced.",
        "properties": {
          "name": {"type": "string", "description": "A description for reports."},
          "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags of the case, added to its plan's."},
          "priority": {"enum": ["critical", "high", "normal", "low"], "description": "Overrides the plan's priority."},
          "request": {"description": "A partial request: any keys of a request map (method, url, headers, query, json, body, form, timeout), merged under the case's own.", "anyOf": [{"type": "string"}, {"type": "object"}]},
          "websocket": {"type": "object", "description": "A WebSocket conversation (see the plan schema)."},
          "auth": {"$ref": "#/$defs/auth"},
          "expect": {"$ref": "#/$defs/expect"},
          "capture": {"type": "object", "description": "name → JSONPath, {header: NAME} or {body: REGEX}."},
          "needs": {"type": "array", "items": {"type": "string"}, "description": "Ids of cases that must pass first."},
          "retry": {"$ref": "#/$defs/retry", "description": "Overrides the default retry policy."},
          "timeout": {"$ref": "#/$defs/duration", "description": "Per request / per WebSocket step."},
          "load": {"type": "object", "description": "{requests, concurrency}: send the request many times."},
          "skip": {"type": "string", "description": "A reason: the case is reported skipped, not sent."},
          "xfail": {"type": "string", "description": "A reason: a known failure."},
          "each": {"description": "Repeat the case over a list (see the plan schema)."}
        }
      },
      "environment": {
        "type": ["object", "null"],
        "additionalProperties": false,
        "properties": {
          "vars": {"$ref": "#/$defs/vars", "description": "Variables of this environment; they override the suite's."},
          "require_env": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Process variables that must be set; checked before anything is sent (exit 3 if missing)."
          },
          "headers": {"$ref": "#/$defs/scalarMap", "description": "Headers sent in this environment, after the suite's."},
          "tls": {
            "type": "object",
            "description": "TLS client certificate and private CA for HTTP, SSE and WebSocket alike; checked before anything is sent.",
            "additionalProperties": false,
            "properties": {
              "client_cert": {"$ref": "#/$defs/pemSource", "description": "The client certificate (PEM)."},
              "client_key": {"$ref": "#/$defs/pemSource", "description": "The client certificate's private key (PEM, unencrypted)."},
              "ca": {"$ref": "#/$defs/pemSource", "description": "The CA that signed the server's certificate (PEM), instead of the system's trust store."}
            },
            "dependentRequired": {"client_cert": ["client_key"], "client_key": ["client_cert"]}
          }
        }
      },
      "pemSource": {
        "description": "A PEM file path relative to rehearse.yaml, or {env: NAME} for PEM text in a process variable.",
        "anyOf": [
          {"type": "string", "minLength": 1},
          {"type": "object", "additionalProperties": false, "required": ["env"], "properties": {"env": {"type": "string", "description": "The process variable that holds the PEM text."}}}
        ]
      },
      "profile": {
        "type": "object",
        "description": "Exactly one of jwt, basic, header, bearer, login or oauth2; `header: NAME` and `scheme:` change how the credential is sent (default Authorization: Bearer <token>); `probe:` lets `rehearse auth --probe` ask the server.",
        "additionalProperties": false,
        "properties": {
          "jwt": {"$ref": "#/$defs/jwt"},
          "basic": {
            "type": "object",
            "description": "HTTP Basic auth.",
            "additionalProperties": false,
            "required": ["username", "password"],
            "properties": {
              "username": {"type": "string", "description": "The user name; usually a template such as \"{{ env.OPS_USER }}\"."},
              "password": {"type": "string", "description": "The password; usually a template such as \"{{ env.OPS_PASSWORD }}\"."}
            }
          },
          "header": {
            "description": "{name, value}: send this header as the credential. A string: the header that carries the token (default Authorization).",
            "anyOf": [
              {"type": "string"},
              {
                "type": "object",
                "additionalProperties": false,
                "required": ["name", "value"],
                "properties": {
                  "name": {"type": "string", "description": "The header name, e.g. X-API-Key."},
                  "value": {"type": "string", "description": "The header value; usually a template such as \"{{ env.API_KEY }}\"."}
                }
              }
            ]
          },
          "bearer": {"type": "string", "description": "A static token, sent as Authorization: Bearer <token>."},
          "login": {"$ref": "#/$defs/login"},
          "oauth2": {"$ref": "#/$defs/oauth2"},
          "scheme": {"type": "string", "description": "The word before the token (default Bearer)."},
          "probe": {
            "type": "object",
            "description": "A request that succeeds only with valid credentials: `rehearse auth --probe` sends it, and a run whose cases were all refused asks it why.",
            "additionalProperties": false,
            "required": ["request", "expect"],
            "properties": {
              "request": {"$ref": "#/$defs/request"},
              "expect": {"$ref": "#/$defs/expect", "description": "The answer that shows the credentials were accepted, e.g. {status: 200}."}
            }
          }
        },
        "oneOf": [
          {"required": ["jwt"]},
          {"required": ["basic"]},
          {"required": ["header"], "properties": {"header": {"type": "object"}}},
          {"required": ["bearer"]},
          {"required": ["login"]},
          {"required": ["oauth2"]}
        ]
      },
      "oauth2": {
        "type": "object",
        "description": "The OAuth2 client credentials grant: one token per run, shared, fetched again before expires_in runs out.",
        "additionalProperties": false,
        "required": ["token_url", "client_id", "client_secret"],
        "properties": {
          "token_url": {"type": "string", "description": "The token endpoint."},
          "client_id": {"type": "string", "description": "The client id."},
          "client_secret": {"type": "string", "description": "The client secret; usually a template such as \"{{ env.CLIENT_SECRET }}\"."},
          "scope": {"type": "string", "description": "Space-separated scopes to ask for."},
          "audience": {"type": "string", "description": "The audience (API identifier) to ask for."},
          "client_auth": {"enum": ["basic", "body"], "default": "basic", "description": "basic: the secret as HTTP Basic (default); body: client_id and client_secret in the form."},
          "header": {"type": "string", "description": "The header that carries the token (default Authorization)."},
          "scheme": {"type": "string", "description": "The word before the token (default Bearer)."}
        }
      },
      "jwt": {
        "type": "object",
        "description": "A JWT made by rehearse: iat = now, exp = now + ttl, jti = a UUID, plus `claims`.",
        "additionalProperties": false,
        "properties": {
          "algorithm": {
            "enum": ["HS256", "HS384", "HS512", "RS256", "ES256"],
            "default": "HS256",
            "description": "HS256 | HS384 | HS512 with a secret; RS256 | ES256 with `private_key_env`."
          },
          "secret_env": {
            "description": "Variables holding the secret, in priority order: the first that is set and non-empty wins.",
            "anyOf": [{"type": "string"}, {"type": "array", "minItems": 1, "items": {"type": "string"}}]
          },
          "secret_default": {"type": "string", "description": "Used only when none of secret_env is set."},
          "private_key_env": {"type": "string", "description": "The variable holding a PEM private key (RS256, ES256)."},
          "claims": {"type": "object", "description": "Claims added to the token; strings may hold templates."},
          "ttl": {"$ref": "#/$defs/duration", "description": "Lifetime of the token (default 15m); it is made again before it expires."},
          "header": {"type": "string", "description": "The header that carries the token (default Authorization)."},
          "scheme": {"type": "string", "description": "The word before the token (default Bearer)."},
          "websocket": {
            "enum": ["header", "subprotocol"],
            "description": "How a WebSocket handshake carries the token: a header (the default) or a subprotocol."
          }
        },
        "if": {"required": ["algorithm"], "properties": {"algorithm": {"enum": ["RS256", "ES256"]}}},
        "then": {"required": ["private_key_env"]},
        "else": {"anyOf": [{"required": ["secret_env"]}, {"required": ["secret_default"]}]}
      },
      "login": {
        "type": "object",
        "description": "A token obtained once by a request and shared by every case.",
        "additionalProperties": false,
        "required": ["request", "token"],
        "properties": {
          "request": {"$ref": "#/$defs/request"},
          "expect": {"$ref": "#/$defs/expect", "description": "What the login response must satisfy (default status 2xx)."},
          "token": {"$ref": "#/$defs/jsonPath", "description": "JSONPath to the token in the response body."},
          "header": {"type": "string", "description": "The header that carries the token (default Authorization)."},
          "scheme": {"type": "string", "description": "The word before the token (default Bearer)."}
        }
      }
    }
    """#]
}
