/// Messages a stream hands over at once, in arrival order: a list of messages (WebSocket frames,
/// test scripts), or the packed events of one SSE read, all stamped with the instant that read
/// came off the socket. A packed batch costs no allocation or reference count per event; a
/// message is made only when a step reads one, and owns its bytes.
public struct StreamMessageBatch: Sendable {
    enum Storage: Sendable {
        case messages([StreamMessage])
        case events(SSEEventPack, arrival: ContinuousClock.Instant)
    }

    let storage: Storage

    public init(_ messages: [StreamMessage]) {
        storage = .messages(messages)
    }

    public init(events: SSEEventPack, arrival: ContinuousClock.Instant) {
        storage = .events(events, arrival: arrival)
    }

    public static let empty = StreamMessageBatch([])

    public var count: Int {
        switch storage {
        case .messages(let m): return m.count
        case .events(let p, _): return p.count
        }
    }

    public var isEmpty: Bool { count == 0 }

    /// Message `i`, made from the pack for an SSE batch.
    public subscript(i: Int) -> StreamMessage {
        switch storage {
        case .messages(let m): return m[i]
        case .events(let p, let arrival): return StreamMessage(event: p.name(i), id: p.id(i), bytes: p.data(i), arrival: arrival)
        }
    }

    /// The messages in `range`, in order.
    public func messages(_ range: Range<Int>) -> [StreamMessage] {
        switch storage {
        case .messages(let m): return Array(m[range])
        case .events: return range.map { self[$0] }
        }
    }

    /// The messages from `start` on, as a batch of their own.
    public func dropFirst(_ start: Int) -> StreamMessageBatch {
        start == 0 ? self : StreamMessageBatch(messages(start ..< count))
    }

    /// Reads the messages from `start` on by event name alone, for a step that looks at nothing
    /// else: the arrival of each message named `match` (any message when nil) is appended to
    /// `arrivals`, until a message named `until`. Returns where reading stopped and the index
    /// of the message `until` took, if one did. No message is made.
    func skim(from start: Int, match: String?, until: String?, arrivals: inout ArrivalTimes)
        -> (end: Int, until: Int?)
    {
        switch storage {
        case .messages(let m):
            var i = start
            while i < m.count {
                let name = m[i].event ?? "message"
                i += 1
                if let until, name == until { return (i, i - 1) }
                if let match, name != match { continue }
                arrivals.append(m[i - 1].arrival)
            }
            return (i, nil)
        case .events(let p, let arrival):
            // A handful of names per pack: each is compared once, then events are told apart
            // by their name's index.
            let entries = p.entries
            var matching = [Bool](), stopping = [Bool]()
            matching.reserveCapacity(p.names.count)
            stopping.reserveCapacity(p.names.count)
            for name in p.names {
                matching.append(match.map { $0 == name } ?? true)
                stopping.append(until.map { $0 == name } ?? false)
            }
            var taken = 0
            var i = start
            var hit: Int?
            while i < entries.count {
                let name = Int(entries[i].name)
                i += 1
                if stopping[name] {
                    hit = i - 1
                    break
                }
                if matching[name] { taken += 1 }
            }
            // One read's events share its arrival.
            arrivals.append(arrival, count: taken)
            return (i, hit)
        }
    }
}
