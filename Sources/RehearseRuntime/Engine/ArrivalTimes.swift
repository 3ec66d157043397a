/// The arrival instants of the messages a stream step took, in order, kept as runs of equal
/// instants: the events of one network read share its arrival, so a fast stream of 200,000
/// events is a few hundred runs rather than 3 MB of instants, and its statistics cost a pass
/// over the runs.
struct ArrivalTimes: ExpressibleByArrayLiteral {
    typealias Instant = ContinuousClock.Instant

    private(set) var runs: [(at: Instant, count: Int)] = []
    /// How many messages: the sum of the runs' counts.
    private(set) var count = 0

    init() {}

    init(_ instants: some Sequence<Instant>) {
        for at in instants { append(at) }
    }

    init(arrayLiteral instants: Instant...) {
        self.init(instants)
    }

    mutating func append(_ at: Instant, count n: Int = 1) {
        guard n > 0 else { return }
        count += n
        if let last = runs.last, last.at == at {
            runs[runs.count - 1].count += n
        } else {
            runs.append((at, n))
        }
    }

    var isEmpty: Bool { count == 0 }
    var first: Instant? { runs.first?.at }
    var last: Instant? { runs.last?.at }

    /// The first instant not before `origin`.
    func first(notBefore origin: Instant) -> Instant? { runs.first { $0.at >= origin }?.at }

    /// The instants of every `stride`-th message, from the first.
    func every(_ stride: Int) -> [Instant] {
        var out: [Instant] = []
        var next = 0, runStart = 0
        for run in runs {
            while next < runStart + run.count {
                out.append(run.at)
                next += stride
            }
            runStart += run.count
        }
        return out
    }

    /// The gaps between consecutive messages: the zeros (within a run) counted, the others
    /// listed in order, with how many of those are negative.
    func gaps() -> (others: [Duration], zeros: Int, negative: Int) {
        var others: [Duration] = []
        var zeros = 0, negative = 0
        for (i, run) in runs.enumerated() {
            zeros += run.count - 1
            guard i > 0 else { continue }
            // Runs merge equal neighbours, so a gap between runs is never zero.
            let gap = run.at - runs[i - 1].at
            if gap < .zero { negative += 1 }
            others.append(gap)
        }
        return (others, zeros, negative)
    }
}
