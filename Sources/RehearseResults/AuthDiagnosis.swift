import RehearseModel

/// What a profile's probe found (spec §10): for a `jwt` profile, which candidate secrets the
/// server accepts beside the one the profile uses; for the other kinds, whether the profile's
/// credentials are accepted. Variable names only: a value never gets here.
public struct AuthDiagnosis: Sendable, Equatable {
    /// One credential the probe was sent with.
    public struct Candidate: Sendable, Equatable {
        /// A `secret_env` variable, `secret_default`, or the profile itself (other kinds).
        public var name: String
        /// Whether the variable is set (always true for `secret_default` and the profile).
        public var isSet: Bool
        /// The credential the profile itself sends.
        public var usedByProfile: Bool
        /// The probe's answer, when one came.
        public var status: Int?
        /// Nil when the probe was not sent with this candidate (unset, or could not be made).
        public var accepted: Bool?
        /// Why it was not sent or was refused (masked): the transport error, the failed expectation.
        public var note: String?

        public init(name: String, isSet: Bool, usedByProfile: Bool, status: Int? = nil, accepted: Bool? = nil, note: String? = nil) {
            self.name = name
            self.isSet = isSet
            self.usedByProfile = usedByProfile
            self.status = status
            self.accepted = accepted
            self.note = note
        }
    }

    public enum Verdict: String, Sendable {
        /// The profile's own credentials are accepted.
        case accepted
        /// Refused, while another candidate is accepted: `fix` says what to change.
        case otherCandidateAccepted = "other-candidate-accepted"
        /// No candidate is accepted.
        case noneAccepted = "none-accepted"
        /// The probe could not be sent (the server did not answer, the request could not be rendered).
        case notSent = "not-sent"
        /// The profile's credentials cannot be made here (a variable is missing): exit 3.
        case environment
    }

    public var profile: String
    public var kind: String
    /// `METHOD URL` of the probe, masked.
    public var probe: String
    public var candidates: [Candidate]
    public var verdict: Verdict
    /// The one line that says what to change, or what was found.
    public var conclusion: String
    /// More reading of the answers (401 against 403, the server's own words).
    public var notes: [String]

    public init(profile: String, kind: String, probe: String, candidates: [Candidate], verdict: Verdict,
                conclusion: String, notes: [String] = []) {
        self.profile = profile
        self.kind = kind
        self.probe = probe
        self.candidates = candidates
        self.verdict = verdict
        self.conclusion = conclusion
        self.notes = notes
    }

    /// The exit status of `rehearse auth --probe` for this profile.
    public var exitStatus: ExitStatus {
        switch verdict {
        case .accepted: return .ok
        case .environment: return .environment
        default: return .failed
        }
    }
}

extension AuthDiagnosis {
    /// Every free-text field through `f` (masking, escaping); names of variables stay as they are.
    public func mapText(_ f: (String) -> String) -> AuthDiagnosis {
        var d = self
        d.probe = f(probe)
        d.conclusion = f(conclusion)
        d.notes = notes.map(f)
        d.candidates = candidates.map { var c = $0; c.note = c.note.map(f); return c }
        return d
    }

    /// The JSON form (`auth --probe --format json`, the `auth_diagnosis` array of the JSON report).
    public var json: JSONValue {
        .object([
            "profile": .string(profile), "kind": .string(kind), "probe": .string(probe),
            "verdict": .string(verdict.rawValue), "conclusion": .string(conclusion),
            "notes": .array(notes.map { .string($0) }),
            "candidates": .array(candidates.map { c in
                var o: [String: JSONValue] = ["name": .string(c.name), "set": .bool(c.isSet), "used_by_profile": .bool(c.usedByProfile),
                                              "status": c.status.map { .number(Double($0)) } ?? .null,
                                              "accepted": c.accepted.map { .bool($0) } ?? .null]
                if let note = c.note { o["note"] = .string(note) }
                return .object(o)
            }),
        ])
    }

    /// Reads the JSON form back (merging shard reports); nil when it is not one.
    public init?(json: JSONValue) {
        guard let profile = json["profile"]?.stringValue, let verdict = json["verdict"]?.stringValue.flatMap(Verdict.init) else {
            return nil
        }
        var candidates: [Candidate] = []
        if case .array(let list)? = json["candidates"] {
            for c in list {
                var status: Int?
                if case .number(let n)? = c["status"] { status = Int(n) }
                var accepted: Bool?
                if case .bool(let b)? = c["accepted"] { accepted = b }
                candidates.append(Candidate(name: c["name"]?.stringValue ?? "", isSet: c["set"] == .bool(true),
                                            usedByProfile: c["used_by_profile"] == .bool(true), status: status,
                                            accepted: accepted, note: c["note"]?.stringValue))
            }
        }
        var notes: [String] = []
        if case .array(let list)? = json["notes"] { notes = list.compactMap(\.stringValue) }
        self.init(profile: profile, kind: json["kind"]?.stringValue ?? "", probe: json["probe"]?.stringValue ?? "",
                  candidates: candidates, verdict: verdict, conclusion: json["conclusion"]?.stringValue ?? "", notes: notes)
    }

    /// The table and conclusion as lines of text: the console, `rehearse auth --probe`, and the
    /// Markdown and HTML reports (in a preformatted block) print the same lines.
    public var lines: [String] {
        var out = ["\(profile) (\(kind)): probe \(probe)"]
        let width = max(9, candidates.map(\.name.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        out.append("  " + pad("candidate", width) + "  " + pad("set", 5) + "  " + pad("used by profile", 15) + "  server")
        for c in candidates {
            let server: String
            switch (c.accepted, c.status) {
            case (true?, let s): server = "accepted" + (s.map { " (\($0))" } ?? "")
            case (false?, let s?): server = "refused (\(s))"
            case (false?, nil): server = "refused"
            case (nil, _): server = c.isSet ? "not sent" : "-"
            }
            var line = "  " + pad(c.name, width) + "  " + pad(c.isSet ? "set" : "unset", 5) + "  "
                + pad(c.usedByProfile ? "yes" : "no", 15) + "  " + server
            if let note = c.note { line += "  " + note }
            out.append(line)
        }
        out.append("  " + conclusion)
        out += notes.map { "  " + $0 }
        return out
    }
}
