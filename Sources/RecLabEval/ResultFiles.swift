import Foundation
import RecLabCore
import RecLabResults

/// Writing offline results: `metrics.json`, `metrics.csv` (the console table is RecLabReport's `ConsoleTables`).
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
}
