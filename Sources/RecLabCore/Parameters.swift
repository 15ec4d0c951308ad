/// A scalar parameter value from a config file.
public enum ParamValue: Hashable, Sendable, CustomStringConvertible, Codable {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)

    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .string(let v): return v
        case .bool(let v): return String(v)
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .double(let v): return v
        default: return nil
        }
    }
}

/// Named parameters of a strategy (or any configurable component) with typed, validating accessors.
/// Errors name the parameter (`key`) so the config layer can add the file and line.
public struct Parameters: Sendable, Hashable, CustomStringConvertible {
    public var values: [String: ParamValue]
    /// Line of each key in the config file, where known, for error messages.
    public var lines: [String: Int]
    public var file: String?

    public init(_ values: [String: ParamValue] = [:], lines: [String: Int] = [:], file: String? = nil) {
        self.values = values; self.lines = lines; self.file = file
    }

    public var description: String {
        values.keys.sorted().map { "\($0)=\(values[$0]!)" }.joined(separator: ", ")
    }

    private func error(_ key: String, _ message: String) -> RecLabError {
        .config(message, file: file, line: lines[key], key: key)
    }

    public func int(_ key: String, default def: Int, range: ClosedRange<Int>? = nil) throws -> Int {
        guard let v = values[key] else { return def }
        guard case .int(let x) = v else { throw error(key, "expected an integer, got '\(v)'") }
        if let range, !range.contains(x) { throw error(key, "must be in \(range.lowerBound)...\(range.upperBound), got \(x)") }
        return x
    }

    public func double(_ key: String, default def: Double, range: ClosedRange<Double>? = nil) throws -> Double {
        guard let v = values[key] else { return def }
        guard let x = v.doubleValue else { throw error(key, "expected a number, got '\(v)'") }
        if let range, !range.contains(x) { throw error(key, "must be in \(range.lowerBound)...\(range.upperBound), got \(x)") }
        return x
    }

    public func bool(_ key: String, default def: Bool) throws -> Bool {
        guard let v = values[key] else { return def }
        guard case .bool(let x) = v else { throw error(key, "expected true or false, got '\(v)'") }
        return x
    }

    public func string(_ key: String, default def: String, allowed: [String]? = nil) throws -> String {
        guard let v = values[key] else { return def }
        guard case .string(let x) = v else { throw error(key, "expected a string, got '\(v)'") }
        if let allowed, !allowed.contains(x) {
            throw error(key, "unknown value '\(x)'; expected one of: \(allowed.joined(separator: ", "))")
        }
        return x
    }

    /// Throws for the first key (in sorted order) that is not in `allowed`.
    public func rejectUnknown(allowed: Set<String>, owner: String) throws {
        for key in values.keys.sorted() where !allowed.contains(key) {
            throw error(key, "unknown parameter for \(owner); known parameters: \(allowed.sorted().joined(separator: ", "))")
        }
    }
}
