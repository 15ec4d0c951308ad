import Foundation
import RecLabCore
import Yams

/// A YAML document as a small tree that remembers where each value was written, so every config
/// error can name the file, the line and the key path (`strategies[2].params.factors`).
public struct ConfigNode: Sendable {
    public enum Value: Sendable {
        case null
        /// A scalar's text; `quoted` scalars are always strings, plain ones may be numbers or booleans.
        case scalar(String, quoted: Bool)
        case sequence([ConfigNode])
        /// Keys in document order.
        case mapping([(key: String, line: Int, node: ConfigNode)])
    }

    public let value: Value
    public let line: Int
    /// Dotted path from the root (empty for the root).
    public let path: String
    public let file: String?

    public init(value: Value, line: Int, path: String, file: String?) {
        self.value = value; self.line = line; self.path = path; self.file = file
    }

    /// Largest config file RecLab reads (bytes): real configs are a few KB; the cap keeps a hostile or
    /// mistaken file (a log, a dataset) from being read, parsed and copied into result documents.
    public static let maxDocumentBytes = 1 << 20
    /// Most nodes (scalars, lists, mappings) one document may expand to. YAML aliases are shared
    /// references in the parsed tree but are copied here, so a small file with nested aliases ("billion
    /// laughs") could otherwise grow without bound; real configs have a few hundred nodes.
    public static let maxNodes = 100_000
    /// Most text (bytes) of the key paths of all nodes together, the other thing alias expansion copies
    /// (a long key under an alias used many times).
    public static let maxPathBytes = 16 << 20

    /// Parses YAML text. Syntax errors carry the line libyaml reports.
    public static func parse(_ text: String, file: String?) throws -> ConfigNode {
        guard text.utf8.count <= maxDocumentBytes else {
            throw RecLabError.config("the config is \(text.utf8.count) bytes, above the limit of \(maxDocumentBytes) bytes (1 MiB)", file: file)
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw convert(e, file: file)
        } catch {
            throw RecLabError.config("invalid YAML: \(error)", file: file)
        }
        guard let node else { throw RecLabError.config("the config is empty", file: file, line: 1) }
        var budget = Budget()
        return try ConfigNode(node, path: "", file: file, budget: &budget)
    }

    /// Reads a config file's text: refuses a missing file, a folder or special file, a file above
    /// `maxDocumentBytes` (checked before reading, so a huge file is never loaded) and text that is not UTF-8.
    public static func readText(path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RecLabError.io("config file not found", file: path)
        }
        guard !isDirectory.boolValue else { throw RecLabError.io("is a folder, not a config file", file: path) }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard (attributes?[.type] as? FileAttributeType) == .typeRegular else {
            throw RecLabError.io("not a regular file; a config must be a YAML file", file: path)
        }
        if let size = (attributes?[.size] as? NSNumber)?.intValue, size > maxDocumentBytes {
            throw RecLabError.config("the config is \(size) bytes, above the limit of \(maxDocumentBytes) bytes (1 MiB)", file: path)
        }
        // Read at most one byte past the limit: the file may have grown since the size check.
        guard let handle = FileHandle(forReadingAtPath: path) else { throw RecLabError.io("cannot read config file", file: path) }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.read(upToCount: maxDocumentBytes + 1) ?? Data() } catch {
            throw RecLabError.io("cannot read config file: \(error.localizedDescription)", file: path)
        }
        guard data.count <= maxDocumentBytes else {
            throw RecLabError.config("the config is above the limit of \(maxDocumentBytes) bytes (1 MiB)", file: path)
        }
        guard let text = String(data: data, encoding: .utf8) else { throw RecLabError.config("config is not valid UTF-8", file: path) }
        return text
    }

    /// Reads and parses a YAML file.
    public static func load(path: String) throws -> ConfigNode {
        try parse(try readText(path: path), file: path)
    }

    private static func convert(_ e: YamlError, file: String?) -> RecLabError {
        switch e {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let ctx = context.map { " \($0.text)" } ?? ""
            return RecLabError.config("invalid YAML: \(problem)\(ctx)", file: file, line: mark.line)
        default:
            return RecLabError.config("invalid YAML: \(e)", file: file)
        }
    }

    /// What the conversion has produced so far, against `maxNodes` and `maxPathBytes`.
    private struct Budget {
        var nodes = 0
        var pathBytes = 0

        mutating func charge(path: String, line: Int?, file: String?) throws {
            nodes += 1
            pathBytes += path.utf8.count
            guard nodes <= ConfigNode.maxNodes else {
                throw RecLabError.config("the config expands to more than \(ConfigNode.maxNodes) values (YAML aliases are copied where they are used); this limit guards against alias bombs",
                                         file: file, line: line)
            }
            guard pathBytes <= ConfigNode.maxPathBytes else {
                throw RecLabError.config("the config's keys expand to more than \(ConfigNode.maxPathBytes) bytes (YAML aliases are copied where they are used); this limit guards against alias bombs",
                                         file: file, line: line)
            }
        }
    }

    // Aliases: Yams resolves `*x` to the anchored node while composing, so they arrive here as ordinary
    // (shared) nodes and are expanded by copying, under the budget. `.alias` itself is never produced by
    // the parser.
    private init(_ node: Node, path: String, file: String?, budget: inout Budget) throws {
        self.path = path
        self.file = file
        try budget.charge(path: path, line: node.mark?.line, file: file)
        switch node {
        case .scalar(let s):
            line = s.mark?.line ?? 0
            let plain = s.style == .plain
            if plain && ["", "~", "null", "Null", "NULL"].contains(s.string) { value = .null } else { value = .scalar(s.string, quoted: !plain) }
        case .sequence(let seq):
            line = seq.mark?.line ?? 0
            var items: [ConfigNode] = []
            for (i, n) in seq.enumerated() { items.append(try ConfigNode(n, path: "\(path)[\(i)]", file: file, budget: &budget)) }
            value = .sequence(items)
        case .mapping(let map):
            line = map.mark?.line ?? 0
            var entries: [(key: String, line: Int, node: ConfigNode)] = []
            var seen = Set<String>()
            for (k, v) in map {
                guard case .scalar(let ks) = k else {
                    throw RecLabError.config("mapping keys must be plain strings", file: file, line: k.mark?.line)
                }
                let childPath = path.isEmpty ? ks.string : "\(path).\(ks.string)"
                if !seen.insert(ks.string).inserted {
                    throw RecLabError.config("duplicate key", file: file, line: ks.mark?.line, key: childPath)
                }
                entries.append((ks.string, ks.mark?.line ?? 0, try ConfigNode(v, path: childPath, file: file, budget: &budget)))
            }
            value = .mapping(entries)
        case .alias(let a):
            throw RecLabError.config("YAML aliases are not supported", file: file, line: a.mark?.line)
        }
    }

    // MARK: Typed reading

    public func error(_ message: String) -> RecLabError {
        .config(message, file: file, line: line, key: path.isEmpty ? nil : path)
    }

    public var isNull: Bool { if case .null = value { return true } else { return false } }

    public var kindName: String {
        switch value {
        case .null: return "nothing"
        case .scalar(let s, let quoted): return quoted ? "the string \"\(s)\"" : "'\(s)'"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    public func string() throws -> String {
        guard case .scalar(let s, _) = value else { throw error("expected a string, got \(kindName)") }
        return s
    }

    public func int() throws -> Int {
        guard case .scalar(let s, false) = value, let v = Int(s.replacingOccurrences(of: "_", with: "")) else {
            throw error("expected an integer, got \(kindName)")
        }
        return v
    }

    public func double() throws -> Double {
        guard case .scalar(let s, false) = value, let v = Double(s.replacingOccurrences(of: "_", with: "")), v.isFinite else {
            throw error("expected a number, got \(kindName)")
        }
        return v
    }

    public func bool() throws -> Bool {
        guard case .scalar(let s, false) = value else { throw error("expected true or false, got \(kindName)") }
        switch s.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("expected true or false, got \(kindName)")
        }
    }

    public func list() throws -> [ConfigNode] {
        guard case .sequence(let items) = value else { throw error("expected a list, got \(kindName)") }
        return items
    }

    /// A scalar as a parameter value: plain integers, numbers and booleans are typed, everything else is a string.
    public func paramValue() throws -> ParamValue {
        guard case .scalar(let s, let quoted) = value else { throw error("expected a single value, got \(kindName)") }
        if quoted { return .string(s) }
        if let i = Int(s) { return .int(i) }
        if let d = Double(s), d.isFinite { return .double(d) }
        switch s.lowercased() {
        case "true", "yes", "on": return .bool(true)
        case "false", "no", "off": return .bool(false)
        default: return .string(s)
        }
    }

    /// A reader over this node's keys that rejects unknown ones (see `ConfigMap.finish`).
    public func map() throws -> ConfigMap {
        guard case .mapping(let entries) = value else { throw error("expected a mapping (key: value lines), got \(kindName)") }
        return ConfigMap(node: self, entries: entries)
    }
}

/// Reads keys from a mapping and remembers which were read, so `finish()` can reject any key the
/// reader does not know, naming it and its line (a typo must never be silently ignored).
public final class ConfigMap {
    public let node: ConfigNode
    private let entries: [(key: String, line: Int, node: ConfigNode)]
    private var used = Set<String>()

    init(node: ConfigNode, entries: [(key: String, line: Int, node: ConfigNode)]) {
        self.node = node; self.entries = entries
    }

    public var keys: [String] { entries.map(\.key) }

    /// The node at `key`, or nil when absent or null. Marks the key as known.
    public func optional(_ key: String) -> ConfigNode? {
        used.insert(key)
        guard let n = entries.first(where: { $0.key == key })?.node, !n.isNull else { return nil }
        return n
    }

    public func required(_ key: String) throws -> ConfigNode {
        guard let n = optional(key) else {
            let path = node.path.isEmpty ? key : "\(node.path).\(key)"
            throw RecLabError.config("missing required key", file: node.file, line: node.line, key: path)
        }
        return n
    }

    public func string(_ key: String) throws -> String? { try optional(key)?.string() }
    public func int(_ key: String) throws -> Int? { try optional(key)?.int() }
    public func double(_ key: String) throws -> Double? { try optional(key)?.double() }
    public func bool(_ key: String) throws -> Bool? { try optional(key)?.bool() }

    /// Marks every key as used (for mappings whose keys are free-form, such as strategy params).
    public func entriesAll() -> [(key: String, line: Int, node: ConfigNode)] {
        for e in entries { used.insert(e.key) }
        return entries
    }

    /// Throws for the first key that no accessor asked for.
    public func finish(known: [String]? = nil) throws {
        for e in entries where !used.contains(e.key) {
            let path = node.path.isEmpty ? e.key : "\(node.path).\(e.key)"
            let list = (known ?? Array(used)).sorted().joined(separator: ", ")
            throw RecLabError.config("unknown key; expected one of: \(list)", file: node.file, line: e.line, key: path)
        }
    }
}
