import ArgumentParser
import Foundation
import RecLabApp
import RecLabCore
import RecLabReport
import RecLabResults

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Regression gate: fail when a run's metrics got worse than the committed baseline.",
        discussion: """
            METRICS is a metrics.json (reclab run) or ab.json (reclab simulate), or the folder holding it. \
            Every strategy (or arm) x metric in the baseline is compared with the run, direction-aware: \
            lower is better for rmse, mae and metrics the run marks lower_is_better (gini, popularity); \
            higher is better otherwise. A metric regresses when it is worse than the baseline by more than \
            its tolerance.

            Tolerance: `0.02` or `2%` is relative (2% of the baseline value), `abs:0.005` is absolute. \
            Default 2% relative. --metric-tolerance NAME=X overrides it for one metric, by full name \
            (ndcg@10) or base name (ndcg, all cutoffs); a baseline file may also carry tolerances \
            (`reclab baseline update --tolerance ...`); command-line values win.

            Exit status: 0 all tracked metrics within tolerance (improvements are listed), 1 regressions \
            (a table of them is printed), 2 unusable input (missing or garbled file, a tracked metric \
            missing from the run, run and baseline of different kinds). A dataset that differs from the \
            baseline's is a warning, not a failure.

            Example:
              reclab check out/tiny/metrics.json --baseline reports/baseline/ci.json --metric-tolerance ndcg=abs:0.01
            """)

    @Argument(help: ArgumentHelp("The run's metrics.json or ab.json (or its folder).", valueName: "METRICS"))
    var metrics: String

    @Option(name: .long, help: ArgumentHelp("Baseline file made by `reclab baseline update`.", valueName: "FILE"))
    var baseline: String

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Allowed worsening for every metric: 0.02, 2% (relative) or abs:0.005 (absolute). Default 2%.", valueName: "X"))
    var tolerance: String?

    @Option(name: .customLong("metric-tolerance"), parsing: .singleValue,
            help: ArgumentHelp("Tolerance for one metric, NAME=X (e.g. rmse=abs:0.01, ndcg=5%); repeatable.", valueName: "NAME=X"))
    var metricTolerance: [String] = []

    func run() throws {
        var report: GateReport?
        try reportingErrors(exitCode: 2) {
            let general = try tolerance.map { try Tolerance(parsing: $0) }
            let perMetric = try parseMetricTolerances(metricTolerance)
            let document = try ResultDocument.load(path: metrics)
            let base = try Baseline.load(path: baseline)
            report = try RegressionGate.check(document, against: base, baselinePath: baseline, tolerance: general, metricTolerances: perMetric)
        }
        guard let report else { return }
        for w in report.warnings { printError("reclab: warning: \(w)") }
        let improved = report.rows.filter { $0.status == .improved }
        if report.passed {
            print("check passed: \(report.rows.count) metrics within tolerance of \(baseline)")
            if !improved.isEmpty {
                print("\(improved.count) improved beyond tolerance (run `reclab baseline update` to raise the bar):")
                for r in improved { print("  \(r.subject) \(r.metric): \(NumberFormat.short(r.baseline)) -> \(NumberFormat.short(r.current))") }
            }
            if !report.untracked.isEmpty { print("\(report.untracked.count) metrics of the run are not in the baseline (not gated)") }
        } else {
            print("check FAILED: \(report.regressions.count) of \(report.rows.count) metrics regressed beyond tolerance against \(baseline)\n")
            print(report.regressionTable.markdown)
            throw ExitCode(1)
        }
    }
}

/// Parses `NAME=X` tolerance overrides.
func parseMetricTolerances(_ items: [String]) throws -> [String: Tolerance] {
    var out: [String: Tolerance] = [:]
    for item in items {
        let parts = item.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty else {
            throw RecLabError.usage("bad --metric-tolerance '\(item)': expected NAME=X, e.g. rmse=abs:0.01 or ndcg@10=5%")
        }
        out[String(parts[0])] = try Tolerance(parsing: String(parts[1]))
    }
    return out
}
