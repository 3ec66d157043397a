import RehearseModel
import RehearseDiagnostics
import RehearseParser

/// Which cases a command works on: the shared selection flags.
public struct Selection: Sendable {
    public var priorities: Set<Priority> = []
    public var tags: Set<String> = []
    public var excludeTags: Set<String> = []
    /// Globs on `plan-id/case-id` (`*` any run of characters, `?` one character).
    public var filters: [String] = []
    /// `--rerun-failed`: only these result ids (nil: no such restriction). A case id selects the
    /// case with every instance; an `each` instance id (`plan/case[1]`) selects that instance, or
    /// the whole case when its list is only known at run time.
    public var ids: Set<String>? = nil { didSet { idCases = ids.map { Set($0.map(Self.caseID(ofResult:))) } ?? [] } }
    /// The cases `ids` name, instance suffixes removed.
    private var idCases: Set<String> = []

    public init(priorities: Set<Priority> = [], tags: Set<String> = [], excludeTags: Set<String> = [], filters: [String] = [],
                ids: Set<String>? = nil) {
        self.priorities = priorities
        self.tags = tags
        self.excludeTags = excludeTags
        self.filters = filters
        self.ids = ids
        self.idCases = ids.map { Set($0.map(Self.caseID(ofResult:))) } ?? []
    }

    public func includes(name: String, priority: Priority, tags caseTags: [String]) -> Bool {
        if !priorities.isEmpty && !priorities.contains(priority) { return false }
        if !tags.isEmpty && tags.isDisjoint(with: caseTags) { return false }
        if !excludeTags.isDisjoint(with: caseTags) { return false }
        if !filters.isEmpty && !filters.contains(where: { Glob.matches($0, name) }) { return false }
        if let ids, !ids.contains(name), !ids.contains(Self.caseID(ofResult: name)),
           !(name.hasSuffix("[*]") && idCases.contains(Self.caseID(ofResult: name))) { return false }
        return true
    }
}

/// Shell-style globs: `*` and `?`; a filter without '/' also matches on the case id alone.
public enum Glob {
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        if !pattern.contains("/"), let slash = text.lastIndex(of: "/"),
           match(Array(pattern), Array(text[text.index(after: slash)...])) {
            return true
        }
        return match(Array(pattern), Array(text))
    }

    private static func match(_ p: [Character], _ t: [Character]) -> Bool {
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == t[ti]) {
                pi += 1; ti += 1
            } else if pi < p.count && p[pi] == "*" {
                star = pi; mark = ti; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ti = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
