import RehearseModel
import RehearseCompiler

/// A message matcher prepared once for a step that tests many messages (`collect` may see
/// hundreds of thousands): a matcher that is only a plain event name is compared as a string,
/// without the matcher machinery or copying the matcher per message.
struct PreparedMatcher {
    let matcher: MessageMatcher
    /// The name when `event` is a literal and the matcher has no other key.
    let eventName: String?

    init(_ matcher: MessageMatcher) {
        self.matcher = matcher
        if case .equals(.string(let t))? = matcher.event, let name = t.literalValue,
           matcher.id == nil, matcher.json.isEmpty, matcher.text == nil {
            eventName = name
        } else {
            eventName = nil
        }
    }
}

extension StreamConversation {
    /// True when the message matches; the same verdict as `matches(_:_:)` on the matcher.
    func matches(_ p: PreparedMatcher, _ message: StreamMessage) throws(RenderError) -> Bool {
        if let name = p.eventName { return name == (message.event ?? "message") }
        return try matches(p.matcher, message)
    }
}

extension StreamConversation {
    /// Reads the rest of the batch in hand for a `collect` that looks only at event names (no
    /// captures, no joined text): the arrivals of the messages `match` takes are kept, without
    /// copying each message out. Stops at, and returns, a message `until` takes.
    mutating func skimPending(match: String?, until: String?, arrivals: inout ArrivalTimes) -> StreamMessage? {
        let (end, hit) = pending.skim(from: pendingIndex, match: match, until: until, arrivals: &arrivals)
        receivedCount += end - pendingIndex
        pendingIndex = end
        return hit.map { pending[$0] }
    }
}
