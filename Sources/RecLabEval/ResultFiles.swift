import Foundation
import RecLabCore
import RecLabResults

/// The files of an offline run, in memory: `metrics.json`, `metrics.csv` (the console table is RecLabReport's
/// `ConsoleTables`; writing is the application layer's `RunRecorder`).
public enum ResultFiles {
    /// The run as the recorder stores and writes it: the document, its rows, `metrics.json` and `metrics.csv`.
    public static func recorded(_ output: ExperimentOutput) throws -> RecordedRun {
        let d = output.document
        let json = try ResultJSON.encoder().encode(d)
        return RecordedRun(id: d.runId, kind: "offline", name: d.name, provenance: d.provenance, document: json,
                           metrics: output.metricRows, userValues: output.userValues,
                           files: [("metrics.json", json), ("metrics.csv", Data(csvText(d).utf8))]
                               + (d.tuning.map { [("trials.csv", Data(trialsCSV($0).utf8))] } ?? []))
    }

    /// One row per trial of a tuned run: strategy, trial, rung, parameters (`name=value;...`), score, fold
    /// scores, iteration cap, best iterations, seconds, selected (1 for the selected trial), error.
    public static func trialsCSV(_ t: TuningRecord) -> String {
        var lines = ["strategy,trial,rung,parameters,\(t.metric),fold_scores,max_iterations,best_iterations,seconds,selected,error"]
        for s in t.strategies {
            for trial in s.trials {
                let params = trial.parameters.keys.sorted().map { "\($0)=\(trial.parameters[$0]!)" }.joined(separator: ";")
                var cells: [String] = [field(s.strategy), String(trial.id), trial.rung.map(String.init) ?? "", field(params)]
                cells.append(number(trial.score))
                cells.append(trial.foldScores.map(number).joined(separator: ";"))
                cells.append(trial.maxIterations.map(String.init) ?? "")
                cells.append(trial.bestIterations?.map(String.init).joined(separator: ";") ?? "")
                cells.append(String(format: "%.3f", trial.seconds))
                cells.append(s.selectedTrial == trial.id ? "1" : "0")
                cells.append(field(trial.error ?? ""))
                lines.append(cells.joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
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
