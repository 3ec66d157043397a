import RehearseModel

/// A small RFC 4180 reader for `each: {file: ...csv}`: a header row, then one element per row.
///
/// Ours rather than a package: a data file of a plan needs commas, quotes, doubled quotes, line
/// breaks inside quotes and CRLF or LF, and nothing else (no type inference, no dialects, no
/// streaming from URLs); the two Swift CSV packages in the mirror would add a dependency to build
/// on every CI run for less than a hundred lines (see docs/plan-format.md, "Data files").
package enum CSVReader {
    package struct Problem: Error, Sendable {
        package var message: String
        package var line: Int
    }

    /// The rows as objects keyed by the header; cells stay strings (CSV has no types).
    package static func read(_ bytes: [UInt8]) -> Result<(header: [String], rows: [JSONValue]), Problem> {
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0  // a UTF-8 byte order mark
        var line = 1, recordLine = 1
        var quoted = false, wasQuoted = false
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            wasQuoted = false
        }
        func endRecord() {
            endField()
            // A blank line is no record (a trailing newline, an empty last line).
            if !(fields.count == 1 && fields[0].isEmpty) { records.append((recordLine, fields)) }
            fields = []
        }
        while i < bytes.count {
            let b = bytes[i]
            if quoted {
                if b == 0x22 {
                    if i + 1 < bytes.count, bytes[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                    quoted = false
                } else {
                    if b == 0x0A { line += 1 }
                    field.append(b)
                }
                i += 1
                continue
            }
            switch b {
            case 0x22:
                guard field.isEmpty, !wasQuoted else {
                    return .failure(Problem(message: "a quote inside an unquoted field; quote the whole field and double the quote (\"\")", line: line))
                }
                quoted = true
                wasQuoted = true
            case 0x2C: endField()
            case 0x0D where i + 1 < bytes.count && bytes[i + 1] == 0x0A: break
            case 0x0A:
                endRecord()
                line += 1
                recordLine = line
            default:
                if wasQuoted {
                    return .failure(Problem(message: "text after a closing quote", line: line))
                }
                field.append(b)
            }
            i += 1
        }
        if quoted { return .failure(Problem(message: "a quoted field is not closed", line: recordLine)) }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRecord() }
        guard let header = records.first else {
            return .failure(Problem(message: "the file is empty: a CSV data file starts with a header row", line: 1))
        }
        var seen = Set<String>()
        for name in header.fields {
            if name.isEmpty { return .failure(Problem(message: "an empty column name in the header", line: header.line)) }
            if !seen.insert(name).inserted {
                return .failure(Problem(message: "column '\(name)' appears twice in the header", line: header.line))
            }
        }
        var rows: [JSONValue] = []
        rows.reserveCapacity(records.count - 1)
        for r in records.dropFirst() {
            guard r.fields.count == header.fields.count else {
                return .failure(Problem(message: "row has \(r.fields.count) field\(r.fields.count == 1 ? "" : "s"), the header \(header.fields.count)",
                                        line: r.line))
            }
            var o: [String: JSONValue] = [:]
            o.reserveCapacity(r.fields.count)
            for (k, v) in zip(header.fields, r.fields) { o[k] = .string(v) }
            rows.append(.object(o))
        }
        return .success((header.fields, rows))
    }
}
