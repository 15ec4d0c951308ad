import ArgumentParser
import Foundation
import RecLabCore
import RecLabReport
import RecLabResults

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Manage regression-gate baselines (see `reclab check`).",
        subcommands: [BaselineUpdateCommand.self])
}

struct BaselineUpdateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Write (or replace) a baseline from a run's metrics.json or ab.json.",
        discussion: """
            The baseline is a small JSON file: per strategy (or arm) and metric the value and whether lower \
            is better, plus provenance (run id, dataset content hash, config hash, seed, RecLab version, commit). \
            Commit it; `reclab check` compares later runs against it. Optional tolerances given here are \
            stored in the file and used by `reclab check` unless its command line overrides them.

            Example:
              reclab baseline update out/tiny/metrics.json --out reports/baseline/my-gate.json --tolerance 2%
            """)

    @Argument(help: ArgumentHelp("The run's metrics.json or ab.json (or its folder).", valueName: "METRICS"))
    var metrics: String

    @Option(name: .long, help: ArgumentHelp("Baseline file to write.", valueName: "FILE"))
    var out: String

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Tolerance to store: 0.02, 2% (relative) or abs:0.005 (absolute).", valueName: "X"))
    var tolerance: String?

    @Option(name: .customLong("metric-tolerance"), parsing: .singleValue,
            help: ArgumentHelp("Per-metric tolerance to store, NAME=X; repeatable.", valueName: "NAME=X"))
    var metricTolerance: [String] = []

    func run() throws {
        try reportingErrors(exitCode: 2) {
            let general = try tolerance.map { try Tolerance(parsing: $0) }
            let perMetric = try parseMetricTolerances(metricTolerance)
            let document = try ResultDocument.load(path: metrics)
            let baseline = try Baseline.from(document, tolerance: general, metricTolerances: perMetric)
            let url = URL(fileURLWithPath: out)
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try baseline.encoded().write(to: url, options: .atomic)
            } catch {
                throw RecLabError.io("cannot write baseline: \(error.localizedDescription)", file: out)
            }
            print("wrote baseline \(out): \(baseline.metrics.count) metrics of \(Set(baseline.metrics.map(\.subject)).count) \(baseline.kind == "ab" ? "arms" : "strategies") from run \(baseline.runId)")
        }
    }
}
