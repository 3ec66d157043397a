import Foundation

/// Writes a deterministic suite shaped like real staging plans (about 8 KB a plan at 20 cases).
enum PlanGenerator {
    static func write(to dir: String, plans: Int, cases: Int) throws -> Int {
        let fm = FileManager.default
        try? fm.removeItem(atPath: dir)
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try suite.write(toFile: dir + "/rehearse.yaml", atomically: true, encoding: .utf8)
        var bytes = 0
        let priorities = ["critical", "high", "normal", "low"]
        for p in 0..<plans {
            let folder = dir + "/" + priorities[p % 4]
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
            var text = "name: Generated plan \(p)\npriority: \(priorities[p % 4])\ntags: [generated, area-\(p % 7)]\n"
            text += "vars:\n  prefix: e2e-\(p)\n  limit: \(p % 50 + 10)\ncases:\n"
            for c in 0..<cases {
                // Real suites describe their cases; this also brings the corpus to about 8 MB.
                var t = caseText(p, c)
                if let dash = t.range(of: "\n") {
                    t.insert(contentsOf: "\n    # case \(c) of plan \(p): generated for the lint benchmark, shaped like a staging check", at: dash.lowerBound)
                }
                text += t
            }
            try text.write(toFile: folder + "/plan-\(p).yaml", atomically: false, encoding: .utf8)
            bytes += text.utf8.count
        }
        return bytes
    }

    static func caseText(_ p: Int, _ c: Int) -> String {
        switch c % 5 {
        case 0:
            return """
              - id: create-\(c)
                name: Create resource \(c) of plan \(p)
                tags: [api, write]
                request:
                  method: POST
                  url: "{{ base_url }}/api/threads"
                  headers: {X-Request-Id: "{{ uuid() }}", X-Plan: "plan-\(p)"}
                  json: {title: "{{ prefix }}-\(c)", limit: "{{ limit }}", labels: [a, b, c], nested: {depth: 1, ok: true}}
                expect:
                  status: 201
                  json:
                    $.id: {type: string, matches: "^th_[0-9a-f]+$"}
                    $.messages: {type: array, length: {max: 100}}
                  headers: {Content-Type: {contains: application/json}}
                capture:
                  item_id: $.id
                  location: {header: Location}

            """
        case 1:
            return """
              - id: read-\(c)
                request: GET {{ base_url }}/api/threads/{{ create-\(c - 1).item_id }}
                retry: {attempts: 2, on: [connect, 503]}
                expect:
                  status: [200, 304]
                  json:
                    $.id: "{{ create-\(c - 1).item_id }}"
                    $.title: {matches: "^e2e-"}
                    $.items[?@.state == 'ready'].id: {exists: true}
                  duration: {max: 2s}

            """
        case 2:
            return """
              - id: refused-\(c)
                tags: [security]
                auth: {use: staging-jwt, mode: expired}
                request: GET {{ base_url }}/api/me
                expect:
                  status: [401, 403]
                  json: {$.error: {one_of: [missing_token, invalid_token]}}

            """
        case 3:
            return """
              - id: list-\(c)
                needs: [read-\(c - 2)]
                request:
                  method: GET
                  url: "{{ base_url }}/api/threads"
                  query: {page: "1", size: "{{ limit }}"}
                expect:
                  status: 200
                  json:
                    $.count: {min: 0, max: 10000}
                    $.threads[*].id: {type: array}
                    $.threads[0].title: {exists: true}

            """
        default:
            return """
              - id: health-\(c)
                tags: [performance]
                auth: none
                request: GET {{ base_url }}/health?probe={{ random_hex(6) }}
                timeout: 5s
                expect:
                  status: 200
                  json: {$.status: healthy, $.uptime_seconds: {type: integer}}
                  body: {not: {contains: error}}

            """
        }
    }

    static let suite = """
    version: 1
    default_env: local
    environments:
      local:
        vars: {base_url: "http://127.0.0.1:8000"}
    defaults:
      timeout: 10s
      auth: staging-jwt
      retry: {attempts: 3, backoff: {initial: 200ms, max: 5s, factor: 2, jitter: true}, on: [connect, timeout, 502, 503, 504]}
    auth:
      staging-jwt:
        jwt:
          secret_env: [JWT_SECRET_STAGING, JWT_SECRET_KEY]
          secret_default: dev-only-secret
          claims: {sub: "e2e-{{ random_hex(8) }}", permissions: [read, write]}
          ttl: 15m

    """
}
