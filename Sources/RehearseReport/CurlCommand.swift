#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseResults

/// A failed case's last request as a `curl` command that sends it again (spec §11).
///
/// Built from the masked exchange every report holds, so no credential can be in it: a
/// credential header becomes a `"$NAME"` placeholder (`Authorization: Bearer $REHEARSE_TOKEN`)
/// with a note naming the profile that makes it, and anything else the masker hid stays `***`.
public struct CurlCommand: Sendable, Equatable {
    /// The command, one argument group a line, ready to paste into a POSIX shell.
    public var command: String
    /// `# …` lines to print above it: which variables to set, what could not be reproduced.
    public var notes: [String]

    /// Text to show: the notes as shell comments, then the command.
    public var text: String { (notes.map { "# " + $0 } + [command]).joined(separator: "\n") }

    /// The reproduction of a case's exchange; nil when it sent nothing. `insecure`: the run did
    /// not verify TLS certificates (`--insecure`), so neither does the command (`-k`).
    public static func of(_ r: CaseResult, insecure: Bool = false) -> CurlCommand? {
        guard let e = r.exchange, let space = e.requestLine.firstIndex(of: " ") else { return nil }
        let method = String(e.requestLine[..<space])
        var url = String(e.requestLine[e.requestLine.index(after: space)...])
        if let blank = url.firstIndex(of: " ") { url = String(url[..<blank]) }  // "(WebSocket upgrade)"
        var args: [String] = []
        var notes: [String] = []
        var placeholders: [String] = []
        switch e.kind {
        case .http, .sse:
            // -N: show the events as they come instead of when curl's buffer fills.
            if e.kind == .sse { args.append("-N") }
            if method == "HEAD" { args.append("--head") } else if method != "GET" || e.requestBody != nil { args.append("-X " + quote(method)) }
        case .websocket:
            // curl speaks no WebSocket: the handshake is what it can send, and what a refusal is about.
            if url.hasPrefix("ws://") { url = "http://" + url.dropFirst(5) } else if url.hasPrefix("wss://") { url = "https://" + url.dropFirst(6) }
            args += ["-i", "-N", "--http1.1"] + ["Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13",
                                                 "Sec-WebSocket-Key: cmVoZWFyc2UtY3VybC0xMg=="].map { "-H " + quote($0) }
            notes.append("the WebSocket handshake only: curl shows the server's answer to the upgrade")
        }
        if insecure, url.hasPrefix("https://") { args.insert("-k", at: 0) }
        for h in e.requestHeaders {
            if SecretMasker.isCredentialHeader(h.name) {
                let (value, names) = placeholder(for: h)
                placeholders += names
                args.append("-H " + doubleQuoted(h.name + ": ", then: value))
            } else {
                args.append("-H " + quote(h.name + ": " + h.value))
            }
        }
        if let body = e.requestBody {
            if body.hasPrefix("<"), body.hasSuffix(">"), body.contains(" bytes") {
                notes.append("the body was not text (\(body)): add it with --data-binary @FILE")
            } else {
                args.append("--data-raw " + quote(body))
                if body.hasSuffix(" bytes)") { notes.append("the body was cut for the report: complete it before sending") }
            }
        }
        if !placeholders.isEmpty {
            let who = r.auth.map { "profile `\($0)` makes (`rehearse auth --profile \($0)` shows how)" }
                ?? "the case sends (from its auth mode or its plan)"
            notes.insert("set " + placeholders.map { "$" + $0 }.joined(separator: ", ") + " to the credential \(who)", at: 0)
        }
        let plain = e.requestHeaders.filter { !SecretMasker.isCredentialHeader($0.name) }.map(\.value).joined()
        if (url + plain + (e.requestBody ?? "")).contains("***") {
            notes.append("*** marks a masked secret: put the value back before sending")
        }
        let command = (["curl " + quote(url)] + args).joined(separator: " \\\n  ")
        return CurlCommand(command: command, notes: notes)
    }

    /// A credential header's shown value (`Bearer ***`, `session=***; theme=***`, `***`) with
    /// each hidden part a variable, and the variables' names.
    static func placeholder(for h: (name: String, value: String)) -> (value: [Part], names: [String]) {
        let header = h.name.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
        if h.name.lowercased() == "cookie" {
            var parts: [Part] = []
            var names: [String] = []
            for (i, pair) in h.value.split(separator: ";").enumerated() {
                let name = (pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? "").trimmingSpaces()
                let variable = "REHEARSE_COOKIE_" + name.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
                parts += [.text((i == 0 ? "" : "; ") + name + "="), .variable(variable)]
                names.append(variable)
            }
            return (parts, names)
        }
        if let space = h.value.firstIndex(of: " ") {
            let scheme = String(h.value[..<space])
            let variable = scheme.lowercased() == "bearer" ? "REHEARSE_TOKEN" : "REHEARSE_" + header + "_" + scheme.uppercased()
            return ([.text(scheme + " "), .variable(variable)], [variable])
        }
        return ([.variable("REHEARSE_" + header)], ["REHEARSE_" + header])
    }

    enum Part { case text(String), variable(String) }

    /// `'…'`: nothing inside is special to the shell; a `'` is closed, escaped and reopened.
    /// Words of only safe characters (`POST`, most URLs) stay bare.
    static func quote(_ s: String) -> String {
        let safe = !s.isEmpty && s.unicodeScalars.allSatisfy { u in
            u.isASCII && (Text.isASCIIAlphanumeric(UInt8(u.value)) || "_./:@%+=,-".unicodeScalars.contains(u))
        }
        return safe ? s : "'" + s.replacingAll("'", with: #"'\''"#) + "'"
    }

    /// `"…"` with the literal text escaped and each variable left to the shell: `"$NAME"`.
    static func doubleQuoted(_ prefix: String, then parts: [Part]) -> String {
        // By scalar: a `"` followed by a combining mark is one Character that is not `"`.
        func escape(_ s: String) -> String {
            var out = String.UnicodeScalarView()
            for u in s.unicodeScalars {
                if "\\\"$`".unicodeScalars.contains(u) { out.append("\\") }
                out.append(u)
            }
            return String(out)
        }
        return "\"" + escape(prefix) + parts.map { part in
            switch part {
            case .text(let t): return escape(t)
            case .variable(let v): return "$" + v
            }
        }.joined() + "\""
    }
}
