/// A 1-based line and column in a source file. Columns count characters, as editors do.
public struct SourcePosition: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (a: SourcePosition, b: SourcePosition) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }

    /// The position `offset` characters to the right on the same line (for spots inside a scalar).
    public func advanced(by offset: Int) -> SourcePosition {
        SourcePosition(line: line, column: column + offset)
    }

    public var description: String { "\(line):\(column)" }
}

/// Where a diagnostic points: a file, a position and how many characters to underline.
public struct SourceLocation: Hashable, Sendable {
    public var file: String
    public var position: SourcePosition?
    public var length: Int

    public init(file: String, position: SourcePosition?, length: Int = 1) {
        self.file = file
        self.position = position
        self.length = max(1, length)
    }
}
