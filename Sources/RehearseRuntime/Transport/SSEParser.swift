/// One dispatched Server-Sent Event.
public struct SSEEvent: Sendable, Equatable {
    /// `message` unless the server named the event.
    public var event: String
    /// The data as it came, lines joined with LF: the engine matches bytes, so no string is made.
    public var dataBytes: [UInt8]
    public var data: String { String(decoding: dataBytes, as: UTF8.self) }
    /// The last event id at dispatch (WHATWG: it carries over to later events); nil when empty.
    public var id: String?
    /// The last `retry:` value the stream set, in milliseconds.
    public var retry: Int?

    public init(event: String = "message", data: String, id: String? = nil, retry: Int? = nil) {
        self.init(event: event, dataBytes: Array(data.utf8), id: id, retry: retry)
    }

    public init(event: String, dataBytes: [UInt8], id: String?, retry: Int?) {
        self.event = event
        self.dataBytes = dataBytes
        self.id = id
        self.retry = retry
    }
}

/// A streaming `text/event-stream` parser after the WHATWG HTML rules ("Interpreting an event
/// stream"): bytes go in as they come off the socket, split anywhere (even inside a CRLF or a
/// UTF-8 sequence), and complete events come out. Lines end in CRLF, LF or CR; a leading UTF-8
/// BOM is skipped; comment lines (`:`) are ignored; `data` lines are joined with LF; an event
/// left incomplete when the stream ends is dropped.
///
/// Works on bytes and decodes a field only when its line is complete, so it costs one pass over
/// the input. Events are packed as they complete (`SSEEventPack`: their data written straight
/// into one store, names interned), so a fast stream costs no allocation per event; `takeEvents`
/// hands over what the reads so far completed. `maxEventBytes` caps what one event may hold: a
/// server that never ends an event cannot grow memory without bound.
public struct SSEParser: Sendable {
    public struct Overflow: Error, Sendable { public let limit: Int }

    public let maxEventBytes: Int
    /// A line begun in an earlier read (a line within one read is parsed where it lies).
    private var line: [UInt8] = []
    /// The events completed since the last `takeEvents`, and the data of the event in progress
    /// (`pack.store[dataStart...]`), written there as its `data` lines come.
    private var pack = SSEEventPack()
    private var dataStart = 0
    private var hasData = false
    /// The event in progress's name: an index into the interned names (0: `message`).
    private var eventName: Int32 = 0
    /// The last name an `event` line gave, checked first: a stream repeats its names.
    private var lastName: Int32 = 0
    /// Names as the stream spelled them (the empty name is `message`), and as strings; shared
    /// with each pack handed over, and started afresh when a stream has used many.
    private var internedBytes: [[UInt8]] = [[]]
    private var internedNames: [String] = ["message"]
    private var lastEventID: String?
    /// `lastEventID`'s index in `pack.ids`; `idNotEntered` until an event of this pack needs it.
    private var packID: Int32 = Self.idNotEntered
    private var retry: Int?
    private var skippedBOM = false
    private var bomBytesSeen = 0
    /// The last byte was a CR: an LF right after it belongs to the same line end.
    private var afterCR = false

    public init(maxEventBytes: Int = 16 * 1024 * 1024) {
        self.maxEventBytes = maxEventBytes
    }

    private static let idNotEntered: Int32 = -2
    /// Interned names kept across packs; past this many (a stream naming every event anew) the
    /// table starts afresh, so it cannot grow without bound.
    static let internLimit = 64
    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    private static let dataField: StaticString = "data"
    private static let eventField: StaticString = "event"
    private static let idField: StaticString = "id"
    private static let retryField: StaticString = "retry"

    private static func same(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where a[i] != b[i] { return false }
        return true
    }

    /// A field name compared byte by byte (a generic `elementsEqual` showed in profiles).
    private static func equals(_ name: UnsafeRawBufferPointer, _ field: StaticString) -> Bool {
        guard name.count == field.utf8CodeUnitCount else { return false }
        let bytes = field.utf8Start
        for i in 0..<name.count where name[i] != bytes[i] { return false }
        return true
    }

    /// The index of the first CR or LF from `i` on (`raw.count` when there is none), looked for
    /// eight bytes at a time: the scan for line ends is most of the parser's work.
    @inline(__always)
    private static func lineEnd(_ raw: UnsafeRawBufferPointer, from start: Int) -> Int {
        let n = raw.count
        var i = start
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        while i + 8 <= n {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            // A byte of `lf` or `cr` is zero where the word has that byte; the lowest byte
            // flagged by the zero-byte test is exact (only bytes above a zero can be flagged
            // wrongly, by its borrow).
            let lf = word ^ (ones &* 0x0A), cr = word ^ (ones &* 0x0D)
            let found = (((lf &- ones) & ~lf) | ((cr &- ones) & ~cr)) & highs
            if found != 0 { return i + found.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < n, raw[i] != 0x0A, raw[i] != 0x0D { i += 1 }
        return i
    }

    /// The data of the event in progress so far.
    private var dataCount: Int { pack.store.count - dataStart }

    /// Feeds bytes; `emit` is called for each event they complete.
    public mutating func feed(_ bytes: [UInt8], emit: (SSEEvent) -> Void) throws(Overflow) {
        var failure: Overflow?
        bytes.withUnsafeBytes { raw in
            do throws(Overflow) { try feed(raw, emit: emit) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Feeds bytes; `emit` is called for each event they complete (before an overflow is thrown).
    public mutating func feed(_ raw: UnsafeRawBufferPointer, emit: (SSEEvent) -> Void) throws(Overflow) {
        var failure: Overflow?
        do throws(Overflow) { try feed(raw) } catch { failure = error }
        if let events = takeEvents() {
            for i in 0..<events.count { emit(events.event(i)) }
        }
        if let failure { throw failure }
    }

    /// Feeds bytes; the events they complete wait in the parser for `takeEvents`.
    public mutating func feed(_ raw: UnsafeRawBufferPointer) throws(Overflow) {
        var i = 0
        let n = raw.count
        // The BOM may itself be split across reads.
        while !skippedBOM, i < n {
            if raw[i] == Self.bom[bomBytesSeen] {
                bomBytesSeen += 1
                i += 1
                if bomBytesSeen == 3 { skippedBOM = true }
            } else {
                skippedBOM = true
                // A partial BOM that turned out not to be one is data of the first line.
                line.append(contentsOf: Self.bom[0..<bomBytesSeen])
            }
        }
        var start = i
        while i < n {
            i = Self.lineEnd(raw, from: i)
            guard i < n else { break }
            let b = raw[i]
            // `afterCR` is left as it is over the bytes of a line (not cleared per byte):
            // it counts only for an LF right at the start of a line, with nothing before it.
            if b == 0x0A && afterCR && i == start && line.isEmpty {
                // The LF of a CRLF whose CR ended the previous read or line.
                afterCR = false
                i += 1
                start = i
                continue
            }
            if line.isEmpty {
                // The common case: the whole line is in this read, so it is parsed where it lies.
                try endLine(UnsafeRawBufferPointer(rebasing: raw[start..<i]))
            } else {
                line.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start..<i]))
                // Moved out while it is parsed (endLine mutates self), then back with its storage.
                var whole: [UInt8] = []
                swap(&whole, &line)
                var failure: Overflow?
                whole.withUnsafeBytes { bytes in
                    do throws(Overflow) { try endLine(bytes) } catch { failure = error }
                }
                whole.removeAll(keepingCapacity: true)
                line = whole
                if let failure { throw failure }
            }
            afterCR = b == 0x0D
            i += 1
            start = i
        }
        if start < n {
            line.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start..<n]))
            afterCR = false
            if line.count + dataCount > maxEventBytes { throw Overflow(limit: maxEventBytes) }
        }
    }

    /// The events completed since the last call, nil when there are none. The data of an event
    /// still in progress stays behind (it is at most what the last read brought since the last
    /// event ended, so carrying it over costs no more than reading it).
    public mutating func takeEvents() -> SSEEventPack? {
        guard !pack.isEmpty else { return nil }
        var next = SSEEventPack()
        let used = pack.store.count
        // Sized like this pack: a steady stream's reads hold about as much.
        next.store.reserveCapacity(min(used + used / 2, 1 << 20))
        next.entries.reserveCapacity(pack.count + pack.count / 2)
        if dataStart < used {
            next.store.append(contentsOf: pack.store[dataStart...])
            pack.store.removeLast(used - dataStart)
        }
        dataStart = 0
        next.retryAtStart = retry
        pack.names = internedNames
        swap(&next, &pack)
        packID = Self.idNotEntered
        if internedNames.count > Self.internLimit { restartInterning() }
        return next
    }

    /// Starts the name table afresh, keeping the name of the event in progress.
    private mutating func restartInterning() {
        let current = internedBytes[Int(eventName)]
        internedBytes = [[]]
        internedNames = ["message"]
        eventName = current.isEmpty ? 0 : 1
        if !current.isEmpty {
            internedBytes.append(current)
            internedNames.append(String(decoding: current, as: UTF8.self))
        }
        lastName = eventName
    }

    private mutating func endLine(_ line: UnsafeRawBufferPointer) throws(Overflow) {
        guard let first = line.first else {
            dispatch()
            return
        }
        if first == 0x3A { return }  // a comment (heartbeats are sent this way)
        var colon: Int?
        for i in 0..<line.count where line[i] == 0x3A {
            colon = i
            break
        }
        let nameEnd = colon ?? line.count
        var valueStart = colon.map { $0 + 1 } ?? line.count
        if valueStart < line.count, line[valueStart] == 0x20 { valueStart += 1 }
        let name = UnsafeRawBufferPointer(rebasing: line[0..<nameEnd])
        let value = UnsafeRawBufferPointer(rebasing: line[valueStart...])
        if Self.equals(name, Self.dataField) {
            if dataCount + value.count + 1 > maxEventBytes { throw Overflow(limit: maxEventBytes) }
            // Lines are joined with LF as they come, straight into the pack's store.
            if hasData { pack.store.append(0x0A) }
            pack.store.append(contentsOf: value)
            hasData = true
        } else if Self.equals(name, Self.eventField) {
            eventName = intern(value)
        } else if Self.equals(name, Self.idField) {
            if !value.contains(0) {
                lastEventID = String(decoding: value, as: UTF8.self)
                packID = Self.idNotEntered
            }
        } else if Self.equals(name, Self.retryField) {
            if !value.isEmpty, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), value.count < 18 {
                retry = Int(String(decoding: value, as: UTF8.self))
                pack.retryChanges.append((from: pack.count, value: retry))
            }
        }
        // Any other field is ignored, as the standard says.
    }

    /// The index of an event name: the last one, one seen before, or a new entry. A name the
    /// stream repeats (every token of an LLM stream) is neither copied nor decoded again.
    private mutating func intern(_ value: UnsafeRawBufferPointer) -> Int32 {
        if Self.same(value, internedBytes[Int(lastName)]) { return lastName }
        if let known = internedBytes.firstIndex(where: { Self.same(value, $0) }) {
            lastName = Int32(known)
        } else {
            internedBytes.append(Array(value))
            internedNames.append(value.isEmpty ? "message" : String(decoding: value, as: UTF8.self))
            lastName = Int32(internedBytes.count - 1)
        }
        return lastName
    }

    private mutating func dispatch() {
        defer {
            eventName = 0
            hasData = false
            dataStart = pack.store.count
        }
        guard hasData else { return }
        if packID == Self.idNotEntered {
            if let id = lastEventID, !id.isEmpty {
                pack.ids.append(id)
                packID = Int32(pack.ids.count - 1)
            } else {
                packID = -1
            }
        }
        pack.entries.append(SSEEventPack.Entry(end: pack.store.count, name: eventName, id: packID))
    }
}
