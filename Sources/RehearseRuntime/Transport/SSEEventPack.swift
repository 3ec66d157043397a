/// The events an `SSEParser` completed from one stretch of a stream (the events of one network
/// read, as the SSE transport takes them), packed so that a fast stream costs no allocation and
/// no reference count per event: the data of all of them lies back to back in one byte store,
/// and each event is one plain entry (where its data ends, which name and which id it has).
///
/// Names and ids are indices into small tables: a stream repeats its event names (every token of
/// an LLM answer is `token`), so the name table is shared from one pack to the next, and an id
/// is entered once for the run of events that carry it.
public struct SSEEventPack: Sendable {
    /// One event: its data is `store[previous entry's end ..< end]` (the first starts at 0).
    struct Entry {
        var end: Int
        var name: Int32
        /// An index into `ids`; -1: no id.
        var id: Int32
    }

    /// The data of every event, back to back.
    var store: [UInt8] = []
    var entries: [Entry] = []
    /// Event names (`message` when the server named none).
    var names: [String] = []
    var ids: [String] = []
    /// The `retry:` value in force at the first event, and where a later `retry:` line changed it
    /// (entry index from which the new value holds): rare, so not stored per event.
    var retryAtStart: Int?
    var retryChanges: [(from: Int, value: Int?)] = []

    public init() {}

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// Where event `i`'s data lies in the store.
    func range(_ i: Int) -> Range<Int> {
        (i == 0 ? 0 : entries[i - 1].end) ..< entries[i].end
    }

    /// Event `i`'s name.
    public func name(_ i: Int) -> String { names[Int(entries[i].name)] }

    /// Event `i`'s id (the last id the stream set at its dispatch; nil when none or empty).
    public func id(_ i: Int) -> String? {
        let index = entries[i].id
        return index < 0 ? nil : ids[Int(index)]
    }

    /// Event `i`'s data, copied out: the copy owns its bytes, so it stays valid whatever happens
    /// to the pack and the pack's other events.
    public func data(_ i: Int) -> [UInt8] { Array(store[range(i)]) }

    /// The `retry:` value in force when event `i` was dispatched.
    public func retry(_ i: Int) -> Int? {
        var value = retryAtStart
        for change in retryChanges where change.from <= i { value = change.value }
        return value
    }

    /// Event `i` as an `SSEEvent`.
    public func event(_ i: Int) -> SSEEvent {
        SSEEvent(event: name(i), dataBytes: data(i), id: id(i), retry: retry(i))
    }
}
