#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `each:` on a case (spec §9): the list the case is repeated over.
///
/// A static list (inline, or a data file read at lint time) is expanded by the compiler into one
/// graph node per element; a list from a capture is known only at run time and is expanded by the
/// engine after the capturing case. Every instance shares the one parsed `Case`: an instance is
/// its element and its index, never a copy of the case.
public struct EachSpec: Sendable {
    public enum Source: Sendable {
        /// `each: [ ... ]`.
        case inline
        /// `each: {file: data/users.csv}`: the path as written.
        case file(String)
        /// `each: "{{ list-users.ids }}"`: expanded at run time.
        case capture(Template)
    }

    public let source: Source
    /// The elements of a static list (empty for a capture).
    public let items: [JSONValue]
    /// Field names every element has (a CSV header, the keys common to every object); nil when
    /// the elements are not all objects or the list is only known at run time.
    public let fields: [String]?
    /// Where `each:` is written.
    public let position: SourcePosition

    public init(source: Source, items: [JSONValue] = [], fields: [String]? = nil, position: SourcePosition) {
        self.source = source
        self.items = items
        self.fields = fields
        self.position = position
    }

    /// True when the list is only known at run time.
    public var isRuntime: Bool { if case .capture = source { return true } else { return false } }

    /// "from list-users.ids", "from data/users.csv", "inline": how list and graph name the list.
    public var origin: String {
        switch source {
        case .inline: return "inline"
        case .file(let path): return path
        case .capture(let t): return t.source.replacingAll("{{", with: "").replacingAll("}}", with: "").trimmingSpaces()
        }
    }

    /// The instance keys of a list, one per element: an element's `name` (a string or a number)
    /// when it has one, else its index. Keys are unique, so every instance is a result of its own
    /// (`--rerun-failed` and `diff` key on them): an element whose key another element also has
    /// (two equal names, or a name like "1" beside the unnamed element 1) falls back to its index,
    /// and again until none is shared (indexes never are).
    public static func keys(of items: [JSONValue]) -> [String] {
        var keys = items.enumerated().map { i, item -> String in
            switch item["name"] {
            case .string(let s)? where !s.isEmpty: return s
            case .number(let d)?: return JSONValue.formatNumber(d)
            default: return String(i)
            }
        }
        while true {
            var counts: [String: Int] = [:]
            for k in keys { counts[k, default: 0] += 1 }
            var changed = false
            for i in keys.indices where counts[keys[i], default: 0] > 1 && keys[i] != String(i) {
                keys[i] = String(i)
                changed = true
            }
            if !changed { return keys }
        }
    }
}

/// One element of an `each` list, as the compiler or the engine hands it to a case.
public struct CaseInstance: Sendable {
    public var index: Int
    /// `INDEX` or the element's `name`: the result id is `case-id[KEY]`.
    public var key: String
    public var item: JSONValue
    /// How many instances the list made.
    public var count: Int

    public init(index: Int, key: String, item: JSONValue, count: Int) {
        self.index = index
        self.key = key
        self.item = item
        self.count = count
    }
}

/// Where a case's keys came from a suite template (`extends:`): diagnostics at `position` (the
/// template's name in the plan) also name the template's file and line.
public struct TemplateOrigin: Sendable, Hashable {
    public var position: SourcePosition
    public var name: String
    public var file: String
    public var line: Int

    public init(position: SourcePosition, name: String, file: String, line: Int) {
        self.position = position
        self.name = name
        self.file = file
        self.line = line
    }

    /// "key from template 'json-api' (plans/rehearse.yaml:12)".
    public var note: String { "from template '\(name)' (\(file):\(line))" }

    /// `message` and `hint` of a diagnostic at `position`, pointed at the template's name and with
    /// the template named, when the position holds keys of one of `origins`.
    public static func relocate(_ position: SourcePosition?, hint: String?, in origins: [TemplateOrigin])
        -> (position: SourcePosition, length: Int, hint: String)?
    {
        guard let position, let origin = covering(position, in: origins) else { return nil }
        let note = "this key comes " + origin.note
        return (origin.position, origin.name.count, hint.map { "\($0) (\(note))" } ?? note)
    }
}

extension TemplateOrigin {
    /// The template whose keys sit at `p`: on its name's line, the last name at or before the
    /// column (a template's scalars may point a few columns into the line).
    public static func covering(_ p: SourcePosition, in origins: [TemplateOrigin]) -> TemplateOrigin? {
        origins.filter { $0.position.line == p.line && $0.position.column <= p.column }
            .max { $0.position.column < $1.position.column }
    }
}
