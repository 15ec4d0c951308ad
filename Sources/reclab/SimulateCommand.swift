import ArgumentParser
import Foundation
import RecLabApp
import RecLabCore
import RecLabReport
import RecLabResults
import RecLabSim

/// `reclab simulate CONFIG`: a simulated A/B test of recommendation strategies.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate an A/B test (users hashed into arms, daily visits to a home page filled by each arm's strategy) or an interleaving experiment.",
        discussion: """
            CONFIG is a YAML file such as experiments/ab-demo.yaml (see the README, "A/B simulation and off-policy \
            evaluation"). It names the world (dataset: store / synthetic / movielens; imported data gets a \
            semi-synthetic ground truth), the arms (name, strategy, params, weight, one `control: true`), the days, \
            the retraining cadence and the page layout. The whole config is checked before any work.

            Each simulated day every user visits with the world's probability, sees rows x slots of titles, examines \
            them with position bias and plays by true affinity; strategies retrain on the logged plays every \
            `retrain_every` days (the feedback loop).

            Writes DIR/ab.json (arms, comparisons with Holm-adjusted p-values, SRM, power, CUPED, daily metrics; \
            byte-identical for the same config and seed) and DIR/ab.csv, prints a table, and records the run in a \
            results store (--results DB, else DIR/results.sqlite). DIR defaults to reports/ab/<name>. \
            A sample ratio mismatch is reported loudly on stderr and in the outputs. With `analysis: {sequential: \
            confidence-sequence | obrien-fleming | pocock}` every day is also a look with a sequential test: ab.json \
            gains a `sequential` block with each metric's boundary, statistic and stopping day.

            A config with `kind: interleaving` (experiments/interleaving-tiny.yaml) lists `strategies` instead of arms: \
            every user sees one page whose personalised rows are team-draft interleaved (multileaved for three or more); \
            plays are credited to the strategy that contributed the title. Writes DIR/interleaving.json and \
            DIR/interleaving.csv (default DIR reports/interleaving/<name>); see docs/interleaving-and-sequential.md.

            Examples:
              reclab simulate experiments/ab-tiny.yaml --out out/ab-tiny
              reclab simulate experiments/ab-tiny.yaml --out out/ab-tiny-log --log --quiet
              reclab simulate experiments/interleaving-tiny.yaml --out out/interleaving-tiny --quiet
            """
    )

    @Argument(help: "A/B simulation or interleaving config (YAML).")
    var config: String

    @OptionGroup var destination: RunOutputOptions

    @Flag(name: .long, help: "Also write DIR/impressions.csv: every impression with its logging propensity (large).")
    var log = false

    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors { try common.withContext { context in
            if try SimulationKind.of(path: config) == .interleaving { return try runInterleaving(context) }
            let (ab, text) = try ABConfig.load(path: config)
            let recorder = try destination.recorder(defaultRoot: "reports/ab", name: ab.name)
            let dir = destination.out ?? recorder.folder.path
            context.log.info("[simulate] \(ab.name): loading the world")
            let world = try DatasetSources.world(ab.dataset, context: context)
            context.log.info("[simulate] \(world.kind) world '\(world.dataset.name)': \(world.dataset.userCount) users, \(world.dataset.itemCount) titles; \(ab.simulation.arms.count) arms, \(ab.simulation.preDays)+\(ab.simulation.days) days")
            let output = try ABRunner.run(config: ab, configText: text, configPath: config, world: world,
                                          context: context, keepLog: log)
            try Self.record(output, recorder: recorder, dir: dir)
        } }
    }

    /// Records an A/B run and prints its tables (`simulate`, and `gather` of a plan of one).
    static func record(_ output: ABRunOutput, recorder: RunRecorder, dir: String) throws {
        try recorder.record(ABRunner.recorded(output))
        print(ConsoleTables.ab(output.document))
        if let s = output.document.sequential { print(ConsoleTables.sequential(s)) }
        if !output.document.srm.ok {
            printError("reclab: WARNING: sample ratio mismatch (chi2 \(output.document.srm.chi2), p \(output.document.srm.pValue) < \(output.document.srm.threshold)): the assignment is broken; do not trust these results")
        }
        print("run \(output.document.runId): \(dir)/ab.json, ab.csv; recorded in \(recorder.storePath)")
    }

    /// A `kind: interleaving` config: one interleaved page for every user, recorded like an A/B run.
    func runInterleaving(_ context: RunContext) throws {
        let (cfg, text) = try InterleavingConfig.load(path: config)
        let recorder = try destination.recorder(defaultRoot: "reports/interleaving", name: cfg.name)
        let dir = destination.out ?? recorder.folder.path
        context.log.info("[simulate] \(cfg.name): loading the world")
        let world = try DatasetSources.world(cfg.dataset, context: context)
        context.log.info("[simulate] \(world.kind) world '\(world.dataset.name)': \(world.dataset.userCount) users, \(world.dataset.itemCount) titles; \(cfg.method) of \(cfg.teams.count) strategies, \(cfg.simulation.days) days")
        let output = try InterleavingRunner.run(config: cfg, configText: text, configPath: config, world: world,
                                                context: context, keepLog: log)
        try recorder.record(InterleavingRunner.recorded(output))
        print(ConsoleTables.interleaving(output.document))
        print("run \(output.document.runId): \(dir)/interleaving.json, interleaving.csv; recorded in \(recorder.storePath)")
    }
}
