#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// In-memory state shared by every request of one ``DemoServer``: chat
/// threads, polled jobs and the per-key counters of `/flaky`.
///
/// Each server gets its own instance, so tests that start several servers
/// never see each other's data.
actor DemoState {
    struct Message: Sendable {
        var id: String
        var role: String
        var content: String

        var json: [String: Any] { ["id": id, "role": role, "content": content] }
    }

    struct ChatThread: Sendable {
        var id: String
        var title: String
        var createdAt: String
        var messages: [Message]

        var json: [String: Any] {
            ["id": id, "title": title, "created_at": createdAt, "messages": messages.map(\.json)]
        }
    }

    /// Where a polled job is in its life; the order is what polling tests rely on.
    enum JobState: String, Sendable {
        case pending, running, ready
    }

    private var threads: [String: ChatThread] = [:]
    // Listing in creation order keeps `GET /api/threads` stable for assertions.
    private var threadOrder: [String] = []
    private var jobPolls: [String: Int] = [:]
    private var flakyAttempts: [String: Int] = [:]

    // MARK: Threads

    func createThread(title: String) -> ChatThread {
        let thread = ChatThread(
            id: "th_" + randomHex(bytes: 6),
            title: title,
            createdAt: Date().ISO8601Format(),
            messages: []
        )
        threads[thread.id] = thread
        threadOrder.append(thread.id)
        return thread
    }

    func allThreads() -> [ChatThread] {
        threadOrder.compactMap { threads[$0] }
    }

    func thread(id: String) -> ChatThread? {
        threads[id]
    }

    /// Returns nil when the thread does not exist.
    func appendMessage(threadID: String, content: String) -> Message? {
        guard threads[threadID] != nil else { return nil }
        let message = Message(id: "msg_" + randomHex(bytes: 6), role: "user", content: content)
        threads[threadID]?.messages.append(message)
        return message
    }

    /// Returns whether there was a thread to delete.
    func deleteThread(id: String) -> Bool {
        guard threads.removeValue(forKey: id) != nil else { return false }
        threadOrder.removeAll { $0 == id }
        return true
    }

    var threadCount: Int { threads.count }

    // MARK: Jobs

    func createJob() -> String {
        let id = "job_" + randomHex(bytes: 6)
        jobPolls[id] = 0
        return id
    }

    /// Counts one poll and returns the state that poll observes:
    /// two polls see `pending`, one sees `running`, every later one `ready`.
    func pollJob(id: String) -> JobState? {
        guard let previous = jobPolls[id] else { return nil }
        let polls = previous + 1
        jobPolls[id] = polls
        switch polls {
        case ...2: return .pending
        case 3: return .running
        default: return .ready
        }
    }

    var jobCount: Int { jobPolls.count }

    // MARK: Flaky

    /// Counts one request for `key` and returns how many there have been.
    func recordFlakyAttempt(key: String) -> Int {
        let attempts = (flakyAttempts[key] ?? 0) + 1
        flakyAttempts[key] = attempts
        return attempts
    }
}

/// Lowercase hex of `bytes` random bytes, for ids that only need to be unique.
func randomHex(bytes: Int) -> String {
    var generator = SystemRandomNumberGenerator()
    var text = ""
    text.reserveCapacity(bytes * 2)
    for _ in 0..<bytes {
        let byte = UInt8.random(in: .min ... .max, using: &generator)
        text += String(byte >> 4, radix: 16) + String(byte & 0x0F, radix: 16)
    }
    return text
}
