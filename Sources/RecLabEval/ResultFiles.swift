import Foundation
import RecLabCore
import RecLabStore

/// Writing and showing offline results: `metrics.json`, `metrics.csv`, the console table.
public enum ResultFiles {
    /// Writes `dir/metrics.json` and `dir/metrics.csv`, each atomically (temp file + rename), creating `dir`.
    public static func write(_ document: OfflineResults, to dir: URL) throws {
        let json = try ResultJSON.encoder().encode(document)
        let csv = Data(csvText(document).utf8)
        let folder = OutputFolder(url: dir)
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try json.write(to: try folder.child("metrics.json"), options: .atomic)
            try csv.write(to: try folder.child("metrics.csv"), options: .atomic)
        } catch let error as RecLabError {
            throw error
        } catch {
            throw RecLabError.io("cannot write results: \(error.localizedDescription)", file: dir.path)
        }
    }

    /// One row per strategy x metric x fold (`all` = over all folds): strategy, metric, fold, mean,
    /// ci_low, ci_high, n_users. Overall rows first.
    public static func csvText(_ d: OfflineResults) -> String {
        var lines = ["strategy,metric,fold,mean,ci_low,ci_high,n_users"]
        let rows = d.results.filter { $0.fold == nil } + d.results.filter { $0.fold != nil }
        for r in rows {
            lines.append([field(r.strategy), r.metric, r.fold.map { String($0 + 1) } ?? "all", number(r.mean), number(r.ciLow),
                          number(r.ciHigh), String(r.nUsers)].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180 quoting where needed (grid names contain commas).
    static func field(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func number(_ v: Double) -> String { v.isNaN ? "nan" : String(format: "%.6g", v) }

    /// The strategy x metric table of overall means with 95% CIs, plus fit/eval times.
    public static func table(_ d: OfflineResults) -> String {
        let overall = d.results.filter { $0.fold == nil }
        var metrics: [String] = []
        for r in overall where !metrics.contains(r.metric) { metrics.append(r.metric) }
        var header = ["strategy"] + metrics + ["fit s", "eval s"]
        var body: [[String]] = []
        for s in d.strategies {
            var row = [s.name]
            for m in metrics {
                if let r = overall.first(where: { $0.strategy == s.name && $0.metric == m }) {
                    let half = (r.ciHigh - r.ciLow) / 2
                    row.append(half > 0 ? String(format: "%.4f ±%.4f", r.mean, half) : String(format: "%.4f", r.mean))
                } else {
                    row.append("-")
                }
            }
            row += [String(format: "%.2f", s.fitSeconds), String(format: "%.2f", s.evalSeconds)]
            body.append(row)
        }
        // Mark the best mean per metric.
        for (c, m) in metrics.enumerated() {
            let rows = overall.filter { $0.metric == m && !$0.mean.isNaN }
            guard rows.count > 1, let lower = rows.first?.lowerIsBetter else { continue }
            let best = lower ? rows.min { $0.mean < $1.mean }! : rows.max { $0.mean < $1.mean }!
            if let i = d.strategies.firstIndex(where: { $0.name == best.strategy }) { body[i][c + 1] += " *" }
        }
        header[0] = "strategy"
        var widths = header.map(\.count)
        for row in body { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == 0 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                                                    : String(repeating: " ", count: widths[i] - c.count) + c }.joined(separator: "  ")
        }
        var out = [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        out += body.map(line)
        out.append("mean ±95% CI half-width over users (rmse/mae: over folds or ratings); * = best mean per metric")
        if d.excludedUsers > 0 {
            out.append("\(d.excludedUsers) user-fold pairs without a relevant test item were excluded from ranking metrics")
        }
        let significant = d.comparisons.filter(\.significant).count
        if !d.comparisons.isEmpty {
            out.append("\(d.comparisons.count) paired comparisons (Wilcoxon, Holm-adjusted): \(significant) significant at alpha 0.05")
        }
        out += undefinedWarnings(d).map { "warning: " + $0 }
        for f in d.failures ?? [] { out.append("FAILED: strategy '\(f.strategy)' (\(f.type)) has no results: \(f.error)") }
        return out.joined(separator: "\n")
    }

    /// Metrics whose overall mean is undefined (nan) for some strategies, one line per metric: such a
    /// metric had no user it could be computed for (diversity of one-item lists, no relevant test item).
    public static func undefinedWarnings(_ d: OfflineResults) -> [String] {
        var byMetric: [(metric: String, strategies: [String])] = []
        for r in d.results where r.fold == nil && !r.mean.isFinite {
            if let i = byMetric.firstIndex(where: { $0.metric == r.metric }) { byMetric[i].strategies.append(r.strategy) }
            else { byMetric.append((r.metric, [r.strategy])) }
        }
        return byMetric.map { "\($0.metric) is undefined (nan) for \($0.strategies.joined(separator: ", ")): no user it could be computed for" }
    }
}
