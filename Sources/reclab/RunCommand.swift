import ArgumentParser
import Foundation
import RecLabApp
import RecLabCore
import RecLabReport
import RecLabResults
import RecLabEval

/// `reclab run CONFIG`: an offline experiment described by a YAML config.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an offline experiment: fit strategies on training folds, rank the full catalogue, compute metrics.",
        discussion: """
            CONFIG is an experiment file such as experiments/tiny.yaml (see the README, "Offline experiments"). \
            The whole config is checked before any work: unknown keys, wrong types, unknown strategies or metrics \
            and bad parameters are reported with file, line and key, and nothing is written.

            Writes DIR/metrics.json (the result document `reclab report` and `reclab check` read) and \
            DIR/metrics.csv (strategy, metric, fold, mean, ci_low, ci_high, n_users), prints a strategy x metric \
            table, and records the run with its provenance in a results store: --results DB when given, else \
            DIR/results.sqlite. DIR defaults to reports/runs/<name>.

            Examples:
              reclab run experiments/tiny.yaml --out out/tiny
              reclab run experiments/tiny.yaml --out out/tiny-again --results out/tiny/results.sqlite --quiet
            """
    )

    @Argument(help: "Experiment config (YAML).")
    var config: String

    @OptionGroup var destination: RunOutputOptions

    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors { try common.withContext { context in
            let experiment = try ExperimentConfig.load(path: config)
            // A config with a `tune:` block selects parameters on validation data first (as `reclab tune`).
            if experiment.tuning != nil { return try TuneCommand.runTuned(experiment, destination: destination, context: context) }
            let recorder = try destination.recorder(defaultRoot: "reports/runs", name: experiment.name)
            let log = context.log
            log.info("[run] \(experiment.name): loading dataset")
            let (dataset, loadSeconds) = try context.clock.measure { try DatasetSources.dataset(for: experiment, context: context) }
            log.info("[run] dataset \(dataset.name): \(dataset.userCount) users, \(dataset.itemCount) movies, \(dataset.interactionCount) interactions (loaded in \(String(format: "%.2f", loadSeconds))s)")
            let output = try ExperimentRunner.run(experiment, dataset: dataset, context: context)
            let recordSeconds = try context.clock.seconds { try recorder.record(try ResultFiles.recorded(output)) }
            log.info("[run] results written in \(String(format: "%.2f", recordSeconds))s (\(output.userValues.reduce(0) { $0 + $1.values.count }) per-user values)")
            print(ConsoleTables.offline(output.document))
            print("")
            print("run \(output.document.runId): \(recorder.folder.path)/metrics.json, metrics.csv; recorded in \(recorder.storePath)")
            // The finished strategies are recorded above; a failed one still makes the run fail.
            if let failures = output.document.failures, !failures.isEmpty {
                for f in failures { printError("reclab: error: \(f.error)") }
                throw ExitCode(1)
            }
        } }
    }
}
