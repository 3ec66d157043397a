import CYAML
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics

/// Reads YAML text with libyaml, event by event, into a positioned `YAMLNode` tree.
///
/// This is the hot path of `rehearse lint`: no intermediate document model, one pass over the
/// events, anchors resolved as they come, merge keys (`<<`) and duplicate keys handled when a
/// mapping closes. Problems are reported into the bag, never thrown.
public enum YAMLLoader {
    /// How many lists and mappings may nest inside each other, aliases included. Every later
    /// stage walks the tree recursively, so the limit is what keeps a hostile plan from
    /// overflowing the stack; honest plans nest a dozen levels.
    public static let maxDepth = 128
    /// How many nodes the aliases of one file may add in total. Nested aliases multiply
    /// (ten levels of ten aliases each make ten billion nodes from 500 bytes), so what they
    /// expand to is counted, as libyaml-based loaders do.
    public static let maxAliasNodes = 100_000

    /// Loads the single document in `bytes`. Returns nil (with a diagnostic) when there is none
    /// or the text is not YAML.
    public static func load(_ bytes: [UInt8], diagnostics: DiagnosticBag) -> YAMLNode? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            diagnostics.report(.io, "libyaml could not be initialised", at: nil)
            return nil
        }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeBufferPointer { buf -> YAMLNode? in
            yaml_parser_set_input_string(&parser, buf.baseAddress, buf.count)
            var builder = TreeBuilder(diagnostics: diagnostics)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    reportParserError(parser, bytes: buf, into: diagnostics)
                    return nil
                }
                let done = event.type == YAML_STREAM_END_EVENT
                let stop = builder.consume(&event)
                yaml_event_delete(&event)
                if done || stop { break }
            }
            return builder.finish()
        }
    }

    private static func reportParserError(_ parser: yaml_parser_t, bytes: UnsafeBufferPointer<UInt8>,
                                          into diagnostics: DiagnosticBag) {
        var message = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        let problem = message
        if parser.error == YAML_READER_ERROR {
            // The reader checks bytes ahead of the scanner and leaves the mark at the start of
            // the file; only its byte offset says where the bad byte is.
            var offset = parser.problem_offset
            var value = Int(parser.problem_value)
            if problem.contains("invalid trailing UTF-8") {
                // libyaml names the byte that fails to continue a character (often the space after
                // a Latin-1 `é`); the problem is the byte that started it, a few bytes back.
                var start = offset - 1
                while start >= 0, start >= offset - 3, bytes[start] & 0xC0 == 0x80 { start -= 1 }
                if start >= 0, start >= offset - 3, bytes[start] & 0xC0 == 0xC0 {
                    offset = start
                    value = Int(bytes[start])
                    message = "invalid UTF-8: a character starts with this byte but the bytes after it do not continue it"
                }
            }
            if value >= 0 { message += " (byte 0x\(Text.hex(value, width: 2)))" }
            let position = position(ofByte: offset, in: bytes)
            diagnostics.report(.yamlSyntax, message, at: position, hint: syntaxHint(for: problem))
            return
        }
        if let ctx = parser.context {
            message = "\(problem) \(String(cString: ctx))"
            message = message.replacingAll("  ", with: " ")
        }
        let mark = parser.problem_mark
        let position = SourcePosition(line: mark.line + 1, column: mark.column + 1)
        let hint = FlowKeyHint.quoteJSONPathKey(at: position, in: bytes) ?? syntaxHint(for: problem)
        diagnostics.report(.yamlSyntax, message, at: position, hint: hint)
    }

    /// Line and column (in characters) of a byte offset.
    static func position(ofByte offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> SourcePosition {
        var line = 1, column = 1
        for b in bytes.prefix(max(0, offset)) {
            if b == 10 {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1  // count a character at its first byte
            }
        }
        return SourcePosition(line: line, column: column)
    }

    /// Plain-words advice for libyaml's most common complaints.
    static func syntaxHint(for problem: String) -> String? {
        if problem.contains("mapping values are not allowed") {
            return "a value containing ': ' must be quoted, or a key is indented too far"
        }
        if problem.contains("did not find expected key") || problem.contains("did not find expected '-'") {
            return "check the indentation of this line against the lines above it"
        }
        if problem.contains("tab character") {
            return "indent with spaces: YAML does not allow tabs for indentation"
        }
        if problem.contains("found character that cannot start any token") {
            return "YAML does not allow tabs for indentation; quote values starting with '@' or '`'"
        }
        if problem.contains("found unexpected end of stream") || problem.contains("found unexpected end") {
            return "a quote or bracket opened earlier is not closed"
        }
        if problem.contains("control characters are not allowed") || problem.contains("invalid leading UTF-8") ||
            problem.contains("invalid trailing UTF-8") || problem.contains("incomplete UTF-8")
        {
            return "the file must be UTF-8 text"
        }
        return nil
    }
}

/// Builds the tree from events with an explicit stack (plans can nest deeply in JSON bodies).
private struct TreeBuilder {
    struct Frame {
        var isMapping: Bool
        var position: SourcePosition
        var anchor: String?
        var tag: String?
        /// Items of a sequence.
        var children: [YAMLNode] = []
        /// Pairs of a mapping, built as keys and values arrive (no second array per mapping).
        var pairs: [YAMLPair] = []
        var pendingKey: YAMLNode?
        var merges: [YAMLNode] = []
        /// Lists and mappings on the deepest path below this one (an alias counts with its anchor's).
        var height = 0
        /// Nodes in this subtree, an alias counted as what it expands to.
        var size = 1
    }

    /// An anchored node with what an alias to it adds: its height and its size.
    struct Anchor {
        var node: YAMLNode
        var height: Int
        var size: Int
    }

    let diagnostics: DiagnosticBag
    var stack: [Frame] = []
    var anchors: [String: Anchor] = [:]
    var root: YAMLNode?
    var documents = 0
    var aliasCount = 0
    /// Nodes added by aliases so far (see `YAMLLoader.maxAliasNodes`).
    var aliasNodes = 0
    var failed = false

    init(diagnostics: DiagnosticBag) { self.diagnostics = diagnostics }

    func finish() -> YAMLNode? {
        if failed { return nil }
        if root == nil && !diagnostics.hasErrors {
            diagnostics.report(.emptyFile, "the file holds no YAML document", at: SourcePosition(line: 1, column: 1),
                               hint: "a plan needs at least `cases:`; name drafts with a leading '_' to skip them")
        }
        return root
    }

    /// Returns true when loading should stop (a second document).
    mutating func consume(_ event: inout yaml_event_t) -> Bool {
        let pos = SourcePosition(line: event.start_mark.line + 1, column: event.start_mark.column + 1)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                diagnostics.report(.yamlSyntax, "a plan file holds one YAML document; found a second one", at: pos,
                                   length: 3, hint: "split the documents into separate files")
                return true
            }
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let text = s.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: s.length), as: UTF8.self) } ?? ""
            let style: YAMLNode.ScalarStyle
            switch s.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: style = .literal
            case YAML_FOLDED_SCALAR_STYLE: style = .folded
            default: style = .plain
            }
            // A plain scalar written as `!!str 1` or a non-specific `!` tag keeps its tag.
            let tag = Self.tagName(s.tag)
            add(YAMLNode(.scalar(text, style), at: pos, tag: tag), anchor: Self.string(s.anchor), height: 0, size: 1)
        case YAML_SEQUENCE_START_EVENT:
            if tooDeep(stack.count + 1, at: pos, length: 1) { return true }
            let d = event.data.sequence_start
            stack.append(Frame(isMapping: false, position: pos, anchor: Self.string(d.anchor), tag: Self.tagName(d.tag)))
        case YAML_MAPPING_START_EVENT:
            if tooDeep(stack.count + 1, at: pos, length: 1) { return true }
            let d = event.data.mapping_start
            stack.append(Frame(isMapping: true, position: pos, anchor: Self.string(d.anchor), tag: Self.tagName(d.tag)))
        case YAML_SEQUENCE_END_EVENT:
            let f = stack.removeLast()
            add(YAMLNode(.sequence(f.children), at: f.position, tag: f.tag), anchor: f.anchor, height: f.height + 1, size: f.size)
        case YAML_MAPPING_END_EVENT:
            let f = stack.removeLast()
            add(YAMLNode(.mapping(applyMerges(f.pairs, f.merges)), at: f.position, tag: f.tag), anchor: f.anchor,
                height: f.height + 1, size: f.size)
        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor) ?? ""
            aliasCount += 1
            if let target = anchors[name] {
                // Checked before the alias is used: every later walk would expand it again.
                if tooDeep(stack.count + target.height, at: pos, length: name.count + 1) { return true }
                aliasNodes += target.size
                if aliasNodes > YAMLLoader.maxAliasNodes {
                    diagnostics.report(.aliasExpansion,
                                       "alias '*\(name)' would make the aliases of this file expand to more than \(YAMLLoader.maxAliasNodes) nodes",
                                       at: pos, length: name.count + 1,
                                       hint: "an alias copies everything under its anchor, and aliases inside anchored lists multiply; write the data out or alias less")
                    failed = true
                    return true
                }
                add(target.node, anchor: nil, height: target.height, size: target.size)
            } else {
                diagnostics.report(.unknownAlias, "alias '*\(name)' refers to no anchor defined above", at: pos,
                                   length: name.count + 1,
                                   hint: Suggestions.hint(for: name, in: anchors.keys).map { $0.replacingAll("'", with: "'&") }
                                       ?? "define it first with '&\(name)'")
                // Like a syntax error: what the alias stood for is unknown, so everything after it
                // would only produce follow-on errors.
                failed = true
                return true
            }
        default:
            break
        }
        return false
    }

    /// Reports nesting past `YAMLLoader.maxDepth`; loading stops there, so no deeper tree is ever built.
    private mutating func tooDeep(_ depth: Int, at pos: SourcePosition, length: Int) -> Bool {
        guard depth > YAMLLoader.maxDepth else { return false }
        diagnostics.report(.tooDeep, "lists and mappings nest more than \(YAMLLoader.maxDepth) levels deep here", at: pos,
                           length: length,
                           hint: "flatten the data; Rehearse reads at most \(YAMLLoader.maxDepth) levels, aliases included")
        failed = true
        return true
    }

    private mutating func add(_ node: YAMLNode, anchor: String?, height: Int, size: Int) {
        if let anchor { anchors[anchor] = Anchor(node: node, height: height, size: size) }
        if !stack.isEmpty {
            stack[stack.count - 1].height = max(stack[stack.count - 1].height, height)
            stack[stack.count - 1].size += size
        }
        if stack.isEmpty {
            root = node
        } else if !stack[stack.count - 1].isMapping {
            stack[stack.count - 1].children.append(node)
        } else if let key = stack[stack.count - 1].pendingKey {
            stack[stack.count - 1].pendingKey = nil
            addPair(key, node)
        } else {
            stack[stack.count - 1].pendingKey = node
        }
    }

    /// Adds a key and value to the open mapping: `<<` is kept for merging, duplicates reported.
    private mutating func addPair(_ key: YAMLNode, _ value: YAMLNode) {
        let top = stack.count - 1
        if key.isPlainScalar, key.scalar == "<<" {
            stack[top].merges.append(value)
            return
        }
        if let k = key.scalar, let first = stack[top].pairs.first(where: { $0.key.scalar == k }) {
            diagnostics.report(.duplicateKey, "duplicate key '\(k)'", at: key.position, length: key.displayLength,
                               hint: "'\(k)' is already set at line \(first.key.position.line); a mapping holds each key once")
            return
        }
        stack[top].pairs.append(YAMLPair(key: key, value: value))
    }

    /// Applies `<<` merges to a mapping's pairs.
    private func applyMerges(_ explicit: [YAMLPair], _ merges: [YAMLNode]) -> [YAMLPair] {
        guard !merges.isEmpty else { return explicit }
        var pairs = explicit
        // Explicit keys win over merged ones; among merged sources the earlier one wins.
        for source in merges {
            let sources: [YAMLNode]
            switch source.value {
            case .mapping: sources = [source]
            case .sequence(let items): sources = items
            case .scalar:
                diagnostics.report(.type, "a merge key '<<' takes a mapping or a list of mappings, found \(source.kindName)",
                                   at: source.position, hint: "write `<<: *anchor` where `&anchor` names a mapping")
                continue
            }
            for s in sources {
                guard let sp = s.pairs else {
                    diagnostics.report(.type, "a merge key '<<' takes mappings, found \(s.kindName)", at: s.position)
                    continue
                }
                for p in sp where !pairs.contains(where: { $0.key.scalar != nil && $0.key.scalar == p.key.scalar }) {
                    pairs.append(p)
                }
            }
        }
        return pairs
    }

    private static func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let p else { return nil }
        return String(cString: p)
    }

    /// `tag:yaml.org,2002:str` → `str`; a non-specific `!` tag → `!`.
    private static func tagName(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let full = string(p) else { return nil }
        let prefix = "tag:yaml.org,2002:"
        return full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : full
    }
}
