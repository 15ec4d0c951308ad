import Foundation

/// A JSON value written with sorted keys and a fixed number format, so an export is byte-identical for the
/// same input (documents, template, saved objects). Non-finite numbers (an undefined statistic) become
/// `null`: JSON has no NaN, and Elasticsearch indexes null as "no value".
public indirect enum JSONValue: Equatable, Sendable {
    case string(String)
    case number(Double)
    case integer(Int)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    public static func optional(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
    public static func optional(_ n: Int?) -> JSONValue { n.map { .integer($0) } ?? .null }

    /// Compact JSON text (one line: NDJSON needs no line breaks inside a document).
    public var text: String {
        var out = ""
        write(into: &out)
        return out
    }

    func write(into out: inout String) {
        switch self {
        case .string(let s): JSONValue.quote(s, into: &out)
        case .number(let x):
            if !x.isFinite { out += "null" }
            else if x == x.rounded(), abs(x) < 1e15 { out += String(Int(x)) + ".0" }
            else { out += "\(x)" }
        case .integer(let n): out += String(n)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() { if i > 0 { out += "," }; item.write(into: &out) }
            out += "]"
        case .object(let fields):
            out += "{"
            for (i, key) in fields.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                JSONValue.quote(key, into: &out)
                out += ":"
                fields[key]!.write(into: &out)
            }
            out += "}"
        }
    }

    /// A JSON string (RFC 8259): quote, backslash and control characters escaped; also U+2028/2029 so the
    /// text is safe wherever it is embedded.
    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
