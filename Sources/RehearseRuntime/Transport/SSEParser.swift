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
                line.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start..<i]))
                try endLine(emit)
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

    private mutating func endLine(_ emit: (SSEEvent) -> Void) throws(Overflow) {
        defer { line.removeAll(keepingCapacity: true) }
        guard let first = line.first else {
            dispatch(emit)
            return
        }
        if first == 0x3A { return }  // a comment (heartbeats are sent this way)
        let colon = line.firstIndex(of: 0x3A)
        let nameEnd = colon ?? line.count
        var valueStart = colon.map { $0 + 1 } ?? line.count
        if valueStart < line.count, line[valueStart] == 0x20 { valueStart += 1 }
        let name = line[0..<nameEnd], value = line[valueStart...]
        if name.elementsEqual("data".utf8) {
            if data.count + value.count + 1 > maxEventBytes { throw Overflow(limit: maxEventBytes) }
            data.append(contentsOf: value)
            data.append(0x0A)
            hasData = true
        } else if name.elementsEqual("event".utf8) {
            eventType = Array(value)
        } else if name.elementsEqual("id".utf8) {
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        } else if name.elementsEqual("retry".utf8) {
            if !value.isEmpty, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), value.count < 18 {
                retry = Int(String(decoding: value, as: UTF8.self))
            }
        }
        // Any other field is ignored, as the standard says.
    }

    private mutating func dispatch(_ emit: (SSEEvent) -> Void) {
        defer {
            data.removeAll(keepingCapacity: true)
            eventType.removeAll()
            hasData = false
        }
        guard hasData else { return }
        data.removeLast()  // the LF after the last data line
        if eventType != lastName.bytes {
            lastName = (eventType, eventType.isEmpty ? "message" : String(decoding: eventType, as: UTF8.self))
        }
        let name = lastName.name
        emit(SSEEvent(event: name, dataBytes: data, id: lastEventID.flatMap { $0.isEmpty ? nil : $0 }, retry: retry))
    }
}
