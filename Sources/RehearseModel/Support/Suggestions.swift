/// "Did you mean" suggestions by edit distance, as Hurl and rustc give them.
public enum Suggestions {
    /// The closest candidate within a distance that still looks like a typo, if any.
    public static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        let lower = word.lowercased()
        let all = Array(candidates)
        // `create` for `create-thread`: a name the word starts is a better guess than a short edit.
        if lower.count >= 3, let prefixed = all.filter({ $0.lowercased().hasPrefix(lower) }).min(by: { $0.count < $1.count }) {
            return prefixed
        }
        let limit = max(1, min(3, word.count / 3 + 1))
        var best: (String, Int)?
        for c in all {
            let d = distance(lower, c.lowercased())
            if d <= limit, best == nil || d < best!.1 { best = (c, d) }
        }
        return best?.0
    }

    /// A `help:` line for a misspelled name, or nil.
    public static func hint(for word: String, in candidates: some Sequence<String>) -> String? {
        closest(to: word, in: candidates).map { "did you mean '\($0)'?" }
    }

    /// Levenshtein distance over characters.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = Swift.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}
