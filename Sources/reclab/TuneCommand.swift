import ArgumentParser
import Foundation
import RecLabApp
import RecLabCore
import RecLabEval
import RecLabReport
import RecLabResults

/// `reclab tune CONFIG`: select each strategy's parameters on validation data, then test the selection once.
struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Tune strategies on validation data carved from each training fold, then test the selected parameters once.",
        discussion: """
            CONFIG is an experiment file with a 'tune:' block (metric, method: grid, random or halving, trials \
            and/or seconds, patience) and a 'search:' mapping in the strategies to tune (see docs/tuning.md). \
            Validation data is carved from each training fold with the split's own method; every trial is fitted \
            on it and scored on the target metric; iterative strategies stop early. The best trial's parameters \
            are refitted on each whole training fold and evaluated on the test part: the only time it is read.

            Writes DIR/metrics.json (with the 'tuning' record: every trial, the selection, the budget that ended \
            each search), DIR/metrics.csv and DIR/trials.csv, prints the trials' summary and the test table, and \
            records the run in the results store (--results DB, else DIR/results.sqlite). DIR defaults to \
            reports/runs/<name>. `reclab run` on the same config does the same.

            Examples:
              reclab tune experiments/tune-tiny.yaml --out out/tune-tiny --quiet
            """
    )

    @Argument(help: "Experiment config (YAML) with a 'tune:' block.")
    var config: String

    @OptionGroup var destination: RunOutputOptions

    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors { try common.withContext { context in
            let experiment = try ExperimentConfig.load(path: config)
            guard experiment.tuning != nil else {
                throw RecLabError.config("the config has no 'tune:' block; add one (metric, method, trials) or use 'reclab run'",
                                         file: config, key: "tune")
            }
            try TuneCommand.runTuned(experiment, destination: destination, context: context)
        } }
    }

    /// Shared with `reclab run` for configs with a `tune:` block.
    static func runTuned(_ experiment: ExperimentConfig, destination: RunOutputOptions, context: RunContext) throws {
        let recorder = try destination.recorder(defaultRoot: "reports/runs", name: experiment.name)
        let log = context.log
        log.info("[tune] \(experiment.name): loading dataset")
        let dataset = try DatasetSources.dataset(for: experiment, context: context)
        log.info("[tune] dataset \(dataset.name): \(dataset.userCount) users, \(dataset.itemCount) movies, \(dataset.interactionCount) interactions")
        let output = try Tuner.run(experiment, dataset: dataset, context: context)
        try recorder.record(try ResultFiles.recorded(output))
        if let tuning = output.document.tuning {
            print(ConsoleTables.tuning(tuning))
            print("")
        }
        print(ConsoleTables.offline(output.document))
        print("")
        print("run \(output.document.runId): \(recorder.folder.path)/metrics.json, metrics.csv, trials.csv; recorded in \(recorder.storePath)")
        if let failures = output.document.failures, !failures.isEmpty {
            for f in failures { printError("reclab: error: \(f.error)") }
            throw ExitCode(1)
        }
    }
}
