import RehearseModel
import RehearseDiagnostics
import RehearseParser

/// Identifies a case: index of its plan and of the case in the plan.
public struct CaseRef: Hashable, Sendable, Comparable {
    public var plan: Int
    public var index: Int
    public static func < (a: CaseRef, b: CaseRef) -> Bool { (a.plan, a.index) < (b.plan, b.index) }
}

/// Why one node waits for another.
public enum EdgeReason: Sendable, Hashable, CustomStringConvertible {
    case needs
    case capture(String)
    case serial
    case auth
    /// A teardown case runs after every other case of its plan, whatever their outcome.
    case teardown

    public var description: String {
        switch self {
        case .teardown: return "teardown"

        case .needs: return "needs"
        case .capture(let name): return "uses capture \(name)"
        case .serial: return "serial"
        case .auth: return "auth"
        }
    }

    /// The link as a sentence fragment: "A needs B", "A uses capture x of B".
    public var phrase: String {
        switch self {
        case .teardown: return "tears down after"

        case .needs: return "needs"
        case .capture(let name): return "uses capture '\(name)' of"
        case .serial: return "runs after (serial plan)"
        case .auth: return "waits for login"
        }
    }
}

public struct GraphEdge: Sendable, Hashable {
    public var from: Int
    public var reason: EdgeReason
}

/// A node of the executable graph: a case, or an auth profile that must be fetched (login).
public struct GraphNode: Sendable {
    public enum Kind: Sendable, Hashable {
        case testCase(CaseRef)
        case auth(String)
    }
    public var kind: Kind
    /// Display name: `plan-id/case-id` or `auth:profile`.
    public var name: String
    /// The nodes that must finish first.
    public var dependencies: [GraphEdge]
    /// True when picked by the selection flags; false when brought in as a dependency.
    public var selected: Bool
}

/// A case with everything inherited from its plan and the suite already resolved.
public struct ResolvedCase: Sendable {
    public var ref: CaseRef
    public var planID: String
    public var priority: Priority
    public var tags: [String]
    public var auth: AuthUse
    public var retry: RetryPolicy
    public var timeout: Duration
    /// The element of an `each` list this node runs (spec §9); nil for a case run once.
    public var instance: CaseInstance? = nil

    /// The id results carry: `case-id`, or `case-id[KEY]` for an instance.
    public func resultID(_ c: Case) -> String { instance.map { "\(c.id)[\($0.key)]" } ?? c.id }
}

/// The compiled run: what the engine executes and `graph`/`list` print.
public struct ExecutableGraph: Sendable {
    public var suite: Suite
    public var plans: [Plan]
    public var environment: String?
    public var nodes: [GraphNode]
    /// Node indices in an order where every dependency comes first.
    public var order: [Int]
    /// Resolved settings of every case in the graph, by node index.
    public var cases: [Int: ResolvedCase]
    /// `{{ env.NAME }}` used by the nodes in the graph, with where first used (checked before a run).
    public var environmentReferences: [String: SourceLocation]
    /// The `--shard` this graph is a part of, if any.
    public var shard: Shard? = nil

    public func testCase(_ ref: CaseRef) -> Case { plans[ref.plan].cases[ref.index] }

    /// Why a run of this graph would be empty, when it would be and that is a mistake: a
    /// selection that matches no case (a typo in `--tag`) must not be a green build. One shard
    /// of a small suite may legitimately get nothing, so a shard says so without failing.
    public var emptyRunProblem: String? {
        guard cases.isEmpty, shard == nil else { return nil }
        return plans.isEmpty ? "no plans found: nothing to run" : "no case matches the selection: nothing to run (`rehearse list` shows what a selection picks)"
    }
}
