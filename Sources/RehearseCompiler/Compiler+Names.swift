#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseParser

/// What a template may refer to at one place in the suite.
struct NameScope {
    var vars: Set<String>
    /// Case id → names it captures; empty for suite-level templates (no captures there).
    var captures: [String: [String]] = [:]
    var selfID: String?
    /// Vars whose value is an object, so `{{ var.key }}` is a lookup into it.
    var objectVars: Set<String> = []
    /// The case's `each`, which defines `item` and `index` (spec §9).
    var each: EachSpec?
}

/// What the compiler learned about one plan: its problems, and per case the captures it uses
/// (dependency edges) and the environment variables it reads (checked before a run).
struct PlanAnalysis: Sendable {
    var diagnostics: [Diagnostic] = []
    /// Per case: (index of the case whose capture is used, capture name).
    var captureDependencies: [[(Int, String)]] = []
    var environmentReferences: [[String: SourceLocation]] = []
    var varEnvironmentReferences: [String: SourceLocation] = [:]
    /// Per case: what it inherits, and its edges to other cases of the plan (case index, reason).
    var resolved: [ResolvedCase] = []
    var edges: [[(Int, EdgeReason)]] = []
    /// Per case: the elements of a static `each` list (nil: the case is one node).
    var instances: [[CaseInstance]?] = []
}

/// Checks template names, functions, auth uses and schema files. One instance per plan, so plans
/// are checked in parallel; nothing in it is shared.
struct NameChecker {
    let suite: Suite
    let envName: String?
    let cliVars: [String: String]
    let suiteFile: String
    var diagnostics: [Diagnostic] = []
    var envRefs: [String: SourceLocation] = [:]
    /// Capture references of the case being checked: (case id, name).
    var captureRefs: [(String, String)] = []
    /// Schema files already compiled → why one cannot be used (nil: it can); cases share them.
    var schemaProblems: [String: String?] = [:]

    init(suite: Suite, envName: String?, cliVars: [String: String], suiteFile: String) {
        self.suite = suite
        self.envName = envName
        self.cliVars = cliVars
        self.suiteFile = suiteFile
    }

    mutating func report(_ code: DiagnosticCode, _ message: String, file: String, at position: SourcePosition?,
                         length: Int = 1, severity: Severity = .error, hint: String? = nil) {
        diagnostics.append(Diagnostic(code, severity, message, at: SourceLocation(file: file, position: position, length: length),
                                      hint: hint))
    }

    /// Names that resolve everywhere: `--var`s, suite vars and the chosen environment's vars.
    var globalNames: Set<String> {
        var names = Set(cliVars.keys)
        names.formUnion(suite.vars.map(\.0))
        if let envName, let env = suite.environment(envName) {
            names.formUnion(env.vars.map(\.0))
        } else if envName != nil {
            // The unknown environment is reported once; don't also report every name it would define.
            for (_, env) in suite.environments { names.formUnion(env.vars.map(\.0)) }
        }
        return names
    }

    var globalObjectVars: Set<String> {
        var out = Set<String>()
        var all = suite.vars
        if let envName, let env = suite.environment(envName) { all += env.vars }
        for (k, v) in all { if case .object = v { out.insert(k) } }
        return out
    }

    mutating func checkSuiteTemplates() {
        let file = suiteFile
        let scope = NameScope(vars: globalNames, objectVars: globalObjectVars)
        let fallback = SourcePosition(line: 1, column: 1)
        for (_, v) in suite.vars { v.forEachTemplate { check($0, scope: scope, file: file, fallback: fallback) } }
        for (_, t) in suite.headers { check(t, scope: scope, file: file, fallback: fallback) }
        for (name, env) in suite.environments {
            // An environment's own vars resolve inside itself, whichever environment is chosen.
            var envScope = scope
            envScope.vars.formUnion(env.vars.map(\.0))
            let collect = name == envName || envName == nil
            for (_, v) in env.vars {
                v.forEachTemplate { check($0, scope: envScope, file: file, fallback: env.position, collectEnv: collect) }
            }
            for (_, t) in env.headers { check(t, scope: envScope, file: file, fallback: env.position, collectEnv: collect) }
        }
        var suiteLevel = suite.vars
        if let envName, let env = suite.environment(envName) { suiteLevel += env.vars }
        checkVarCycles(suiteLevel, available: Set(cliVars.keys), file: file, fallback: fallback)
        for (_, profile) in suite.auth {
            profile.forEachTemplate { check($0, scope: scope, file: file, fallback: profile.position, collectEnv: false) }
        }
        if let auth = suite.defaults.auth { checkAuthUse(auth, file: file) }
    }

    static func analyze(_ plan: Plan, checker: NameChecker) -> PlanAnalysis {
        var checker = checker
        var analysis = PlanAnalysis()
        checker.checkPlan(plan, into: &analysis)
        analysis.diagnostics = checker.diagnostics
        if !plan.templateOrigins.isEmpty { noteTemplateOrigins(&analysis.diagnostics, plan: plan) }
        return analysis
    }

    mutating func checkPlan(_ plan: Plan, into analysis: inout PlanAnalysis) {
        var scope = NameScope(vars: globalNames, objectVars: globalObjectVars)
        scope.vars.formUnion(plan.vars.map(\.0))
        for (k, v) in plan.vars { if case .object = v { scope.objectVars.insert(k) } }
        for c in plan.cases { scope.captures[c.id] = c.capturedNames }
        let fallback = plan.cases.first?.position ?? SourcePosition(line: 1, column: 1)
        var varScope = scope
        varScope.captures = [:]
        for (_, v) in plan.vars { v.forEachTemplate { check($0, scope: varScope, file: plan.file, fallback: fallback) } }
        checkVarCycles(plan.vars, available: globalNames, file: plan.file, fallback: fallback)
        analysis.varEnvironmentReferences = envRefs
        if let auth = plan.auth { checkAuthUse(auth, file: plan.file) }
        var index: [String: Int] = [:]
        for (i, c) in plan.cases.enumerated() where index[c.id] == nil { index[c.id] = i }
        for c in plan.cases {
            scope.selfID = c.id
            scope.each = c.each
            envRefs = [:]
            captureRefs = []
            for (t, pos) in c.templates { check(t, scope: scope, file: plan.file, fallback: pos) }
            analysis.environmentReferences.append(envRefs)
            analysis.captureDependencies.append(captureRefs.compactMap { ref in
                index[ref.0].flatMap { $0 == index[c.id] ? nil : ($0, ref.1) }
            })
            if let auth = c.auth { checkAuthUse(auth, file: plan.file) }
            for n in c.needs {
                if n.value == c.id {
                    report(.cycle, "case '\(c.id)' needs itself", file: plan.file, at: n.position, length: n.value.count)
                } else if plan.caseIndex(n.value) == nil {
                    report(.unknownCase, "`needs` names unknown case '\(n.value)'", file: plan.file, at: n.position,
                           length: n.value.count,
                           hint: Suggestions.hint(for: n.value, in: plan.cases.map(\.id)) ?? "cases of this plan: "
                               + plan.cases.prefix(8).map(\.id).joined(separator: ", "))
                }
            }
            if let schema = c.expect.schema { checkSchemaFile(schema, plan: plan) }
        }
    }

    /// Checks one template's names and functions; with `collectEnv`, records `env.X` uses.
    mutating func check(_ t: Template, scope: NameScope, file: String, fallback: SourcePosition, collectEnv: Bool = true) {
        guard !t.isLiteral else { return }
        for (expr, pos) in t.locatedExpressions(fallback: fallback) {
            switch expr {
            case .call(let name, let args):
                checkCall(name, args, file: file, at: pos)
            case .name(let segments):
                let head = segments[0]
                if head == "item" || (head == "index" && segments.count == 1) {
                    checkItem(segments, scope: scope, file: file, at: pos)
                    continue
                }
                if head == "env" {
                    if segments.count != 2 {
                        report(.template, "write an environment variable as {{ env.NAME }}", file: file, at: pos)
                    } else if collectEnv, envRefs[segments[1]] == nil {
                        envRefs[segments[1]] = SourceLocation(file: file, position: pos)
                    }
                    continue
                }
                if segments.count == 1 {
                    if scope.vars.contains(head) { continue }
                    report(.unknownName, "unknown name '\(head)'", file: file, at: pos, length: head.count,
                           hint: unknownNameHint(head, scope: scope))
                    continue
                }
                if scope.objectVars.contains(head) { continue }
                if let captured = scope.captures[head] {
                    let name = segments[1]
                    if segments.count > 2 {
                        report(.template, "a capture reference is {{ case-id.name }}", file: file, at: pos)
                    } else if captured.contains(name) {
                        captureRefs.append((head, name))
                    } else {
                        report(.unknownCapture, "case '\(head)' captures no '\(name)'", file: file, at: pos,
                               length: head.count + name.count + 1,
                               hint: Suggestions.hint(for: name, in: captured)
                                   ?? (captured.isEmpty ? "add `capture: {\(name): $.path}` to case '\(head)'"
                                       : "it captures: \(captured.joined(separator: ", "))"))
                    }
                    continue
                }
                if scope.captures.isEmpty {
                    report(.unknownName, "unknown name '\(segments.joined(separator: "."))'", file: file, at: pos,
                           length: head.count, hint: "captures of cases cannot be used here; vars: "
                               + scope.vars.sorted().prefix(8).joined(separator: ", "))
                } else {
                    report(.unknownCase, "'\(head)' in {{ \(segments.joined(separator: ".")) }} is not a case of this plan",
                           file: file, at: pos, length: head.count,
                           hint: Suggestions.hint(for: head, in: scope.captures.keys) ?? "a capture reference is {{ case-id.name }}")
                }
            }
        }
    }

    func unknownNameHint(_ name: String, scope: NameScope) -> String {
        if let s = Suggestions.closest(to: name, in: scope.vars) { return "did you mean '\(s)'?" }
        let elsewhere = suite.environments.filter { $0.0 != envName && $0.1.vars.contains { $0.0 == name } }.map(\.0)
        if !elsewhere.isEmpty {
            return "'\(name)' is defined in environment \(elsewhere.joined(separator: ", ")) but not in '\(envName ?? "(none)")'"
        }
        if let f = TemplateFunction(rawValue: name) { return "\(name) is a function: write {{ \(f.signature) }}" }
        return "define it under `vars:` (plan, environment or suite), or pass --var \(name)=VALUE"
    }

    mutating func checkCall(_ name: String, _ args: [TemplateArgument], file: String, at pos: SourcePosition) {
        guard let f = TemplateFunction(rawValue: name) else {
            report(.unknownFunction, "unknown function '\(name)()'", file: file, at: pos, length: name.count,
                   hint: Suggestions.hint(for: name, in: TemplateFunction.allCases.map(\.rawValue)).map { "\($0)" }
                       ?? "functions: " + TemplateFunction.allCases.map(\.signature).joined(separator: ", "))
            return
        }
        guard args.count == f.arity else {
            report(.template, "\(name)() takes \(f.arity) argument\(f.arity == 1 ? "" : "s"), found \(args.count)", file: file,
                   at: pos, hint: "write {{ \(f.signature) }}")
            return
        }
        let numbers = args.compactMap { if case .number(let d) = $0 { return d } else { return nil } }
        switch f {
        case .randomHex:
            if numbers.count != 1 || numbers[0] < 1 || numbers[0] > 1024 || numbers[0] != numbers[0].rounded() {
                report(.template, "random_hex(N) takes a whole number of characters from 1 to 1024", file: file, at: pos)
            }
        case .randomInt:
            if numbers.count != 2 || numbers.contains(where: { $0 != $0.rounded() }) {
                report(.template, "random_int(MIN, MAX) takes two whole numbers", file: file, at: pos)
            } else if numbers[0] > numbers[1] {
                report(.template, "random_int(MIN, MAX): MIN is greater than MAX", file: file, at: pos)
            }
        default: break
        }
    }

    mutating func checkAuthUse(_ auth: AuthUse, file: String) {
        guard case .profile(let name, let mode) = auth else { return }
        guard let profile = suite.profile(name.value) else {
            let names = suite.auth.map(\.0)
            report(.unknownProfile, "unknown auth profile '\(name.value)'", file: file, at: name.position, length: name.value.count,
                   hint: Suggestions.hint(for: name.value, in: names)
                       ?? (names.isEmpty ? "define profiles under `auth:` in rehearse.yaml, or write `auth: none`"
                           : "profiles: \(names.joined(separator: ", ")), or `none`"))
            return
        }
        if mode.needsJWT && !profile.isJWT {
            report(.authMode, "mode '\(mode.rawValue)' needs a jwt profile; '\(name.value)' is \(profile.kindName)", file: file,
                   at: name.position, length: name.value.count,
                   hint: "with a \(profile.kindName) profile use mode valid, missing or malformed")
        }
    }

    mutating func checkSchemaFile(_ schema: Located<String>, plan: Plan) {
        let dir = FilePaths.directory(of: plan.file)
        let path = schema.value.hasPrefix("/") ? schema.value : SuiteLoader.join(dir.isEmpty ? "." : dir, schema.value)
        let suiteDir = FilePaths.directory(of: suiteFile)
        guard SuiteLoader.isInside(path, folder: suiteDir.isEmpty ? "." : suiteDir) else {
            report(.schemaFile, "schema file '\(schema.value)' is outside the suite folder", file: plan.file, at: schema.position,
                   length: schema.value.count,
                   hint: "files a plan refers to stay inside its suite folder (\(suiteDir.isEmpty ? "." : suiteDir)); copy the schema there")
            return
        }
        guard FileManager.default.fileExists(atPath: path) else {
            report(.schemaFile, "schema file '\(schema.value)' not found", file: plan.file, at: schema.position,
                   length: schema.value.count, hint: "the path is relative to the plan's folder; looked for \(path)")
            return
        }
        let bag = DiagnosticBag(file: path)
        guard let data = SuiteLoader.read(path, bag: bag) else {
            report(.schemaFile, "schema file '\(schema.value)': \(bag.items.first?.message ?? "cannot be read")", file: plan.file,
                   at: schema.position, length: schema.value.count, hint: bag.items.first?.hint)
            return
        }
        do { _ = try JSONValue.parse(data) } catch {
            report(.schemaFile, "schema file '\(schema.value)' is not valid JSON", file: plan.file, at: schema.position,
                   length: schema.value.count)
            return
        }
        // Compiled as the run will use it, so a `$ref` that leads nowhere fails here, once, rather
        // than every case that checks the schema.
        let problem: String?
        if let known = schemaProblems[path] {
            problem = known
        } else {
            if case .failure(let error) = SchemaStore.load(path, inside: suiteDir.isEmpty ? "." : suiteDir) {
                problem = error.message
            } else {
                problem = nil
            }
            schemaProblems[path] = problem
        }
        if let problem {
            report(.schemaFile, "schema file '\(schema.value)' cannot be used: \(problem)", file: plan.file,
                   at: schema.position, length: schema.value.count,
                   hint: "a $ref names a place in the same file, a file beside it (common.json#/$defs/id), or the 2020-12 metaschema")
        }
    }

    /// Vars that can never be rendered because they need each other in a circle. The run renders
    /// vars in passes until none is left (`TemplateScope.renderVars`); this replays those passes
    /// on names alone, starting from what `available` already provides. A name may be defined twice
    /// (an environment var overriding a suite var and using it), so definitions are tracked apart.
    mutating func checkVarCycles(_ vars: [(String, ValueTemplate)], available: Set<String>, file: String,
                                 fallback: SourcePosition) {
        let defined = Set(vars.map(\.0))
        var needs: [Set<String>] = []
        var positions: [SourcePosition] = []
        for (_, value) in vars {
            var names = Set<String>()
            var first: SourcePosition?
            value.forEachTemplate { t in
                for (e, pos) in t.locatedExpressions(fallback: fallback) {
                    if first == nil { first = pos }
                    if case .name(let segs) = e, segs[0] != "env", defined.contains(segs[0]) { names.insert(segs[0]) }
                }
            }
            needs.append(names)
            positions.append(first ?? fallback)
        }
        var rendered = available
        var pending = Set(vars.indices)
        while true {
            let ready = pending.filter { needs[$0].isSubset(of: rendered) }
            if ready.isEmpty { break }
            for i in ready { rendered.insert(vars[i].0) }
            pending.subtract(ready)
        }
        // A definition stuck only because another definition of its own name rendered late is fine.
        let stuck = pending.sorted().filter { !rendered.contains(vars[$0].0) }
        guard let first = stuck.first else { return }
        let names = stuck.map { vars[$0].0 }
        report(.cycle, "vars refer to each other in a circle and can never be rendered: \(names.joined(separator: ", "))",
               file: file, at: positions[first], length: names[0].count,
               hint: "a var may use other vars, but not in a circle: "
                   + stuck.map { "\(vars[$0].0) uses \(needs[$0].sorted().joined(separator: ", "))" }.joined(separator: "; "))
    }
}
