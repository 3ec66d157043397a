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
/// the input. `maxEventBytes` caps what one event may hold: a server that never ends an event
/// cannot grow memory without bound.
public struct SSEParser: Sendable {
    public struct Overflow: Error, Sendable { public let limit: Int }

    public let maxEventBytes: Int
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType: [UInt8] = []
    /// This event's `event` field equals `lastName.bytes` (so `eventType` was left empty).
    private var eventIsLastName = false
    private var lastEventID: String?
    private var retry: Int?
    /// The last event name made, reused while the stream repeats it (tokens all share one name).
    private var lastName: (bytes: [UInt8], name: String) = ([], "message")
    private var skippedBOM = false
    private var bomBytesSeen = 0
    /// The last byte was a CR: an LF right after it belongs to the same line end.
    private var afterCR = false

    public init(maxEventBytes: Int = 16 * 1024 * 1024) {
        self.maxEventBytes = maxEventBytes
    }

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

    /// Feeds bytes; `emit` is called for each event they complete.
    public mutating func feed(_ bytes: [UInt8], emit: (SSEEvent) -> Void) throws(Overflow) {
        var failure: Overflow?
        bytes.withUnsafeBytes { raw in
            do throws(Overflow) { try feed(raw, emit: emit) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    public mutating func feed(_ raw: UnsafeRawBufferPointer, emit: (SSEEvent) -> Void) throws(Overflow) {
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
            let b = raw[i]
            if b == 0x0A || b == 0x0D {
                if b == 0x0A && afterCR && i == start && line.isEmpty {
                    // The LF of a CRLF whose CR ended the previous read or line.
                    afterCR = false
                    i += 1
                    start = i
                    continue
                }
                if line.isEmpty {
                    // The common case: the whole line is in this read, so it is parsed where it lies.
                    try endLine(UnsafeRawBufferPointer(rebasing: raw[start..<i]), emit)
                } else {
                    line.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start..<i]))
                    // Moved out while it is parsed (endLine mutates self), then back with its storage.
                    var whole: [UInt8] = []
                    swap(&whole, &line)
                    var failure: Overflow?
                    whole.withUnsafeBytes { bytes in
                        do throws(Overflow) { try endLine(bytes, emit) } catch { failure = error }
                    }
                    whole.removeAll(keepingCapacity: true)
                    line = whole
                    if let failure { throw failure }
                }
                afterCR = b == 0x0D
                i += 1
                start = i
                continue
            }
            afterCR = false
            i += 1
        }
        if start < n {
            line.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start..<n]))
            afterCR = false
            if line.count + data.count > maxEventBytes { throw Overflow(limit: maxEventBytes) }
        }
    }

    private mutating func endLine(_ line: UnsafeRawBufferPointer, _ emit: (SSEEvent) -> Void) throws(Overflow) {
        guard let first = line.first else {
            dispatch(emit)
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
            if data.count + value.count + 1 > maxEventBytes { throw Overflow(limit: maxEventBytes) }
            // Lines are joined with LF as they come, so the event takes `data` as it is.
            if hasData {
                data.append(0x0A)
                data.append(contentsOf: value)
            } else {
                data = Array(value)
            }
            hasData = true
        } else if Self.equals(name, Self.eventField) {
            // A name the stream repeats (every token of an LLM stream) is not copied at all.
            if Self.same(value, lastName.bytes) {
                eventIsLastName = true
                if !eventType.isEmpty { eventType = [] }
            } else {
                eventIsLastName = false
                eventType = Array(value)
            }
        } else if Self.equals(name, Self.idField) {
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        } else if Self.equals(name, Self.retryField) {
            if !value.isEmpty, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), value.count < 18 {
                retry = Int(String(decoding: value, as: UTF8.self))
            }
        }
        // Any other field is ignored, as the standard says.
    }

    private mutating func dispatch(_ emit: (SSEEvent) -> Void) {
        defer {
            if !eventType.isEmpty { eventType = [] }
            eventIsLastName = false
            hasData = false
        }
        guard hasData else { return }
        if !eventIsLastName && eventType != lastName.bytes {
            lastName = (eventType, eventType.isEmpty ? "message" : String(decoding: eventType, as: UTF8.self))
        }
        // The event takes the data's storage and the next event starts a new one: no copy, and a
        // large event does not leave its capacity to every later one.
        var bytes: [UInt8] = []
        swap(&bytes, &data)
        emit(SSEEvent(event: lastName.name, dataBytes: bytes, id: lastEventID.flatMap { $0.isEmpty ? nil : $0 }, retry: retry))
    }
}
