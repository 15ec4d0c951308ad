/// Every error RecLab reports to a user. The message names the problem and, where there is one,
/// the place (file, line, key), so a researcher can fix the input without reading code.
public struct RecLabError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// Malformed or inconsistent data file (importer input, predefined split file).
        case input
        /// Bad experiment, dataset or simulation config (YAML).
        case config
        /// Bad command-line usage or an unknown name.
        case usage
        /// A file or database that should exist does not, or one that should not exists.
        case io
        /// An external tool (gnuplot) is missing or failed.
        case tool
        /// Empty data or data that cannot support the requested operation.
        case data
    }

    public var kind: Kind
    public var message: String
    public var file: String?
    public var line: Int?
    public var key: String?

    public init(_ kind: Kind, _ message: String, file: String? = nil, line: Int? = nil, key: String? = nil) {
        self.kind = kind
        self.message = message
        self.file = file
        self.line = line
        self.key = key
    }

    public static func input(_ message: String, file: String?, line: Int? = nil) -> RecLabError {
        RecLabError(.input, message, file: file, line: line)
    }

    public static func config(_ message: String, file: String? = nil, line: Int? = nil, key: String? = nil) -> RecLabError {
        RecLabError(.config, message, file: file, line: line, key: key)
    }

    public static func usage(_ message: String) -> RecLabError { RecLabError(.usage, message) }
    public static func io(_ message: String, file: String? = nil) -> RecLabError { RecLabError(.io, message, file: file) }
    public static func tool(_ message: String) -> RecLabError { RecLabError(.tool, message) }
    public static func data(_ message: String, file: String? = nil) -> RecLabError { RecLabError(.data, message, file: file) }

    /// `file:line: key: message`, omitting the parts that are unknown (the compiler-style
    /// prefix lets editors jump to the place).
    public var description: String {
        var prefix = ""
        if let file {
            prefix = file
            if let line { prefix += ":\(line)" }
            prefix += ": "
        } else if let line {
            prefix = "line \(line): "
        }
        if let key { prefix += "'\(key)': " }
        return prefix + message
    }

    /// Returns a copy located in `file` (and `line` when given), keeping any location already set.
    public func located(file: String?, line: Int? = nil) -> RecLabError {
        var copy = self
        if copy.file == nil { copy.file = file }
        if copy.line == nil { copy.line = line }
        return copy
    }
}
