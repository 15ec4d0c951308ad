import Foundation

/// The one rule for every name a user gives that becomes part of a path or enters a generated script:
/// experiment, dataset, strategy, arm and target names, and a `run_id` read back from a result document.
///
/// Allowed: 1 to 64 characters from `A-Z a-z 0-9 . _ - + @`, starting with a letter or a digit. So a name
/// can never hold a path separator, be `.` or `..`, start with `-` (read as a flag) or carry a control
/// character, quote, backtick or line break into a gnuplot script, a CSV file or a shell. Generated names
/// (grid points such as `item-knn[k=20]`) are built by RecLab from valid parts and are quoted, not validated.
public enum SafeName {
    public static let maxLength = 64
    /// The rule in words, for error messages and docs.
    public static let rule = "1 to \(maxLength) characters from A-Z a-z 0-9 . _ - + @, starting with a letter or digit"

    /// The problem with `name`, or nil when it is valid.
    public static func problem(_ name: String) -> String? {
        let scalars = name.unicodeScalars
        guard let first = scalars.first else { return "is empty" }
        guard scalars.count <= maxLength else { return "is longer than \(maxLength) characters" }
        guard isAlphanumeric(first) else { return "must start with a letter or digit" }
        for s in scalars where !(isAlphanumeric(s) || s == "." || s == "_" || s == "-" || s == "+" || s == "@") {
            return "contains \(describe(s)), which is not allowed"
        }
        return nil
    }

    public static func isValid(_ name: String) -> Bool { problem(name) == nil }

    /// Returns `name` when valid; otherwise a config error naming `what`, the place and the rule.
    @discardableResult
    public static func validate(_ name: String, what: String, file: String? = nil, line: Int? = nil,
                                key: String? = nil) throws -> String {
        if let p = problem(name) {
            throw RecLabError.config("\(what) \(printable(name)) \(p); a name must be \(rule)", file: file, line: line, key: key)
        }
        return name
    }

    /// `name` quoted, cut at 80 characters, with every control character shown as an escape, for messages.
    public static func printable(_ name: String) -> String {
        let scalars = name.unicodeScalars
        let head = String(String.UnicodeScalarView(scalars.prefix(80)))
        return "'" + visible(head) + (scalars.count > 80 ? "…" : "") + "'"
    }

    /// `s` with every character that could end a line or hide in a terminal or a generated script (C0 and
    /// C1 controls, DEL, U+2028, U+2029) replaced by a visible `\u{X}`. Used for messages and, by the
    /// report, for every string written into a gnuplot script or data file.
    public static func visible(_ s: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count)
        for u in s.unicodeScalars {
            if u.value < 0x20 || (0x7F...0x9F).contains(u.value) || u.value == 0x2028 || u.value == 0x2029 {
                out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    private static func isAlphanumeric(_ s: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s)
    }

    private static func describe(_ s: Unicode.Scalar) -> String {
        switch s {
        case "/": return "a '/'"
        case "\\": return "a '\\'"
        case "\n": return "a line break"
        case " ": return "a space"
        default:
            if s.value < 0x20 || s.value == 0x7F { return String(format: "the control character U+%04X", s.value) }
            return "'\(s)'"
        }
    }
}

/// An output folder the user chose, and the only way to name a file inside it: every relative path is
/// checked to stay inside the folder (no absolute paths, no `..`, and no symbolic link under the folder
/// that leads out of it), so nothing read from a config or a result document can write elsewhere.
public struct OutputFolder: Sendable {
    /// The folder as given, made absolute and standardized.
    public let url: URL

    public init(path: String) {
        url = URL(fileURLWithPath: path).standardizedFileURL
    }

    public init(url: URL) { self.url = url.standardizedFileURL }

    public var path: String { url.path }

    /// The file or folder at `relative` inside this folder (components joined by "/"); throws when it
    /// would leave the folder.
    public func child(_ relative: String) throws -> URL {
        let parts = relative.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard !relative.hasPrefix("/"), !parts.isEmpty, !parts.contains(where: { $0 == "." || $0 == ".." || $0.contains("\0") }) else {
            throw RecLabError.io("refusing to write '\(relative)': it is not a plain path inside the output folder", file: url.path)
        }
        var result = url
        for p in parts { result.appendPathComponent(p) }
        // A link inside the folder could still point out of it: compare the resolved locations.
        let resolvedRoot = url.resolvingSymlinksInPath().path
        let resolved = result.resolvingSymlinksInPath().path
        guard resolved == resolvedRoot || resolved.hasPrefix(resolvedRoot.hasSuffix("/") ? resolvedRoot : resolvedRoot + "/") else {
            throw RecLabError.io("refusing to write '\(relative)': it resolves to \(resolved), outside the output folder", file: url.path)
        }
        return result
    }
}
