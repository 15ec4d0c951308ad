import Foundation

/// One cell of a report table. Numbers keep their full value so the CSV rendering is exact
/// (readers can check it against the result document) while Markdown and LaTeX round for reading.
public enum TableCell: Equatable, Sendable {
    case text(String)
    case number(Double)
    case integer(Int)
    /// A p-value: three decimals, scientific below 0.001.
    case pValue(Double)
    /// A mean with its 95% confidence interval; CSV expands it into three columns.
    case interval(mean: Double, low: Double, high: Double)
    case empty

    /// Rounded text for Markdown and LaTeX.
    var display: String {
        switch self {
        case .text(let s): return s
        case .number(let x): return NumberFormat.short(x)
        case .pValue(let p): return NumberFormat.p(p)
        case .integer(let n): return String(n)
        case .interval(let m, let lo, let hi):
            // One precision for all three numbers, from the largest magnitude, so they line up.
            let scale = [m, lo, hi].filter(\.isFinite).map(abs).max() ?? 0
            return "\(NumberFormat.short(m, scale: scale)) [\(NumberFormat.short(lo, scale: scale)), \(NumberFormat.short(hi, scale: scale))]"
        case .empty: return ""
        }
    }

    /// CSV fields: exact, round-trippable numbers (`Double.description`).
    var csvFields: [String] {
        switch self {
        case .text(let s): return [s]
        case .number(let x), .pValue(let x): return [NumberFormat.exact(x)]
        case .integer(let n): return [String(n)]
        case .interval(let m, let lo, let hi): return [NumberFormat.exact(m), NumberFormat.exact(lo), NumberFormat.exact(hi)]
        case .empty: return [""]
        }
    }

    var isInterval: Bool { if case .interval = self { return true } else { return false } }
}

public struct TableColumn: Equatable, Sendable {
    public var header: String
    public var numeric: Bool
    /// True when the column holds intervals (CSV gets `header`, `header_ci_low`, `header_ci_high`).
    public var interval: Bool

    public init(_ header: String, numeric: Bool = false, interval: Bool = false) {
        self.header = header; self.numeric = numeric || interval; self.interval = interval
    }
}

/// A titled table rendered three ways: Markdown (for report.md), CSV (RFC 4180, exact numbers) and LaTeX
/// (booktabs `tabular`, specials escaped). `slug` names its files in `tables/`.
public struct ReportTable: Equatable, Sendable {
    public var slug: String
    public var title: String
    public var columns: [TableColumn]
    public var rows: [[TableCell]]
    /// Cells (row, column) to emphasise (bold): the best value per metric column.
    public var emphasised: Set<Pair> = []

    public struct Pair: Hashable, Sendable { public var row: Int; public var column: Int }

    public init(slug: String, title: String, columns: [TableColumn], rows: [[TableCell]]) {
        precondition(rows.allSatisfy { $0.count == columns.count }, "table \(slug): row width differs from header")
        self.slug = slug; self.title = title; self.columns = columns; self.rows = rows
    }

    public mutating func emphasise(row: Int, column: Int) { emphasised.insert(Pair(row: row, column: column)) }

    public var markdown: String {
        func escape(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
        var out = "| " + columns.map { escape($0.header) }.joined(separator: " | ") + " |\n"
        out += "|" + columns.map { $0.numeric ? " ---: |" : " --- |" }.joined() + "\n"
        for (r, row) in rows.enumerated() {
            let cells = row.enumerated().map { c, cell -> String in
                let text = escape(cell.display)
                return emphasised.contains(Pair(row: r, column: c)) && !text.isEmpty ? "**\(text)**" : text
            }
            out += "| " + cells.joined(separator: " | ") + " |\n"
        }
        return out
    }

    public var csv: String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var header: [String] = []
        for col in columns {
            header.append(col.header)
            if col.interval { header += [col.header + "_ci_low", col.header + "_ci_high"] }
        }
        var out = header.map(field).joined(separator: ",") + "\r\n"
        for row in rows {
            var fields: [String] = []
            for (c, cell) in row.enumerated() {
                if columns[c].interval && !cell.isInterval {
                    fields += [cell.csvFields.first ?? "", "", ""]
                } else {
                    fields += cell.csvFields
                }
            }
            out += fields.map(field).joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// A booktabs `tabular` (needs `\usepackage{booktabs}`), wrapped in a `table` float with the title as caption.
    public var latex: String {
        let spec = columns.map { $0.numeric ? "r" : "l" }.joined()
        var out = "% \(title) (generated by RecLab; needs \\usepackage{booktabs})\n"
        out += "\\begin{table}[htbp]\n\\centering\n\\caption{\(LaTeX.escape(title))}\n"
        out += "\\begin{tabular}{\(spec)}\n\\toprule\n"
        out += columns.map { LaTeX.escape($0.header) }.joined(separator: " & ") + " \\\\\n\\midrule\n"
        for (r, row) in rows.enumerated() {
            let cells = row.enumerated().map { c, cell -> String in
                let text = LaTeX.escape(cell.display)
                return emphasised.contains(Pair(row: r, column: c)) && !text.isEmpty ? "\\textbf{\(text)}" : text
            }
            out += cells.joined(separator: " & ") + " \\\\\n"
        }
        out += "\\bottomrule\n\\end{tabular}\n\\end{table}\n"
        return out
    }
}

public enum LaTeX {
    /// Escapes the ten characters special to LaTeX text mode, and writes the few non-ASCII symbols RecLab's
    /// tables use as math-mode commands.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s {
            switch ch {
            case "\\": out += "\\textbackslash{}"
            case "&": out += "\\&"
            case "%": out += "\\%"
            case "$": out += "\\$"
            case "#": out += "\\#"
            case "_": out += "\\_"
            case "{": out += "\\{"
            case "}": out += "\\}"
            case "~": out += "\\textasciitilde{}"
            case "^": out += "\\textasciicircum{}"
            // Symbols RecLab's tables use, in math mode so plain pdflatex needs no Unicode set-up.
            case "−": out += "$-$"
            case "≥": out += "$\\geq$"
            case "≤": out += "$\\leq$"
            case "×": out += "$\\times$"
            case "²": out += "$^2$"
            case "·": out += "$\\cdot$"
            case "▲", "↑": out += "$\\uparrow$"
            case "▼", "↓": out += "$\\downarrow$"
            default: out.append(ch)
            }
        }
        return out
    }
}

public enum NumberFormat {
    /// Exact, round-trippable (Swift's shortest representation that parses back to the same Double).
    public static func exact(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return "\(x)"
    }

    /// Four significant-ish decimals for values below 10, fewer for larger ones: readable in a slide.
    public static func short(_ x: Double, scale: Double? = nil) -> String {
        if x.isNaN { return "n/a" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        let a = scale ?? abs(x)
        if a == 0 { return "0" }
        if a >= 1000 { return String(format: "%.0f", x) }
        if a >= 100 { return String(format: "%.1f", x) }
        if a >= 10 { return String(format: "%.2f", x) }
        if a >= 0.001 { return String(format: "%.4f", x) }
        return String(format: "%.2e", x)
    }

    /// A signed value (`+0.0123`, `-0.0040`).
    public static func signed(_ x: Double) -> String {
        if x.isNaN { return "n/a" }
        return (x >= 0 ? "+" : "") + short(x)
    }

    /// A ratio as a signed percentage (`+3.2%`).
    public static func percent(_ ratio: Double, signed: Bool = true) -> String {
        if ratio.isNaN || ratio.isInfinite { return "n/a" }
        let p = ratio * 100
        let s = abs(p) >= 1 ? String(format: "%.1f", p) : String(format: "%.2f", p)
        return (signed && p >= 0 ? "+" : "") + s + "%"
    }

    /// `p = 0.012`, or `p < 1e-300` when the value underflowed to zero.
    public static func pEquals(_ x: Double) -> String {
        x == 0 ? "p < 1e-300" : "p = " + p(x)
    }

    /// p-values: scientific below 0.001.
    public static func p(_ x: Double) -> String {
        if x.isNaN { return "n/a" }
        if x == 0 { return "< 1e-300" } // underflow: smaller than a Double can hold
        return x < 0.001 ? String(format: "%.1e", x) : String(format: "%.3f", x)
    }
}
