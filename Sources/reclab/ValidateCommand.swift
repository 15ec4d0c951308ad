import ArgumentParser
import Foundation
import RecLabApp
import RecLabCore
import RecLabReport
import RecLabResults
import RecLabStore
import RecLabSim

/// `reclab validate`: repeated-seed checks of the A/B statistics and the OPE estimators.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check the A/B simulation and OPE over many seeds: A/A false positives, planted effects, SRM, OPE coverage, interleaving sensitivity, peeking.",
        discussion: """
            CHECK is one of:
              aa       every arm runs the control's strategy; the share of
                       significant comparisons (raw p < alpha) per metric is the
                       false-positive rate, which should be close to alpha.
              planted  the control against an oracle ranking by true affinity;
                       the share of seeds with a significant positive lift.
              srm      one A/A simulation reassigned with many salts: how often
                       a correct assignment is flagged, and how often one that
                       lost --skew of the treatment's users is.
              ope      independent logs of an OPE config: how often each
                       estimator's 95% interval covers the true value, its mean
                       and mean absolute error (DM's bias shows here).
              interleaving  users needed for 80% power by interleaving the
                       first two strategies of a `kind: interleaving` config,
                       against the A/B test of the same pair on its most
                       sensitive metric: the ratio with its interval, and how
                       often interleaving picks the truly better strategy.
              peeking  A/A tests looked at every day: how often naive peeking
                       and each sequential method (confidence-sequence,
                       obrien-fleming, pocock) are ever significant; on the
                       config's own treatment (a planted effect), the stopping
                       day and the user-days saved.

              truth    A/B tests with their truth worlds (every user on one
                       arm): how often each A/B 95% interval covers the true
                       effect, and the mean bias; without --retrain there is no
                       interference; with it, both training_data modes run.

            CONFIG is an A/B config (aa, planted, srm, truth, peeking), an OPE config (ope) or an interleaving \
            config (interleaving). With --out DIR, interleaving and peeking also write DIR/report.md with a \
            chart (gnuplot; --no-charts skips it). \
            Run in a release build for the full figures.

            Examples:
              reclab validate aa experiments/ab-tiny.yaml --seeds 200
              reclab validate planted experiments/ab-tiny.yaml --seeds 20
              reclab validate srm experiments/ab-tiny.yaml --seeds 100
              reclab validate ope experiments/ope-tiny.yaml --seeds 20
              reclab validate truth experiments/ab-tiny.yaml --seeds 5
              reclab validate interleaving experiments/interleaving-tiny.yaml --seeds 2 --resamples 20 --no-charts --out out/validate-il
              reclab validate peeking experiments/ab-sequential-tiny.yaml --seeds 4 --no-charts --out out/validate-peeking
            """
    )

    @Argument(help: "aa, planted, srm, ope, truth, interleaving or peeking.")
    var check: String

    @Argument(help: "A/B config (aa, planted, srm, truth, peeking), OPE config (ope) or interleaving config (interleaving).")
    var config: String

    /// Range of `--seeds`.
    static let seedsRange = 1...100_000

    // `.unconditional`: `--seeds -5` is read as a value and gets the range error, not "Missing value".
    @Option(name: .long, parsing: .unconditional,
            help: "Number of seeds (simulations, salts or logs), \(seedsRange.lowerBound)...\(seedsRange.upperBound).")
    var seeds: Int = 200

    @Flag(name: .long, help: "Keep the config's retraining cadence (default: no retraining, which is much faster).")
    var retrain = false

    @Option(name: .long, parsing: .unconditional, help: "srm: share of the treatment's users lost in the skewed case, in (0, 1).")
    var skew: Double = 0.1

    /// Range of `--resamples` and `--salts`.
    static let resamplesRange = 10...100_000

    @Option(name: .long, parsing: .unconditional, help: "interleaving: resampled tests per test size and seed, \(resamplesRange.lowerBound)...\(resamplesRange.upperBound).")
    var resamples: Int = 100

    @Option(name: .long, parsing: .unconditional, help: "peeking: A/A reassignments (salts), \(resamplesRange.lowerBound)...\(resamplesRange.upperBound).")
    var salts: Int = 200

    @Option(name: .long, help: "peeking: the A/B metric looked at (e.g. plays_per_user, watch_minutes_per_user, ctr).")
    var metric: String = "plays_per_user"

    @Option(name: .long, help: "interleaving, peeking: write DIR/report.md (and its chart) there.")
    var out: String?

    @Flag(name: .long, help: "With --out: do not draw the chart (no gnuplot needed).")
    var noCharts = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard ["aa", "planted", "srm", "ope", "truth", "interleaving", "peeking"].contains(check) else {
            throw ValidationError("unknown check '\(check)'; expected aa, planted, srm, ope, truth, interleaving or peeking")
        }
        guard Self.resamplesRange.contains(resamples) else {
            throw ValidationError("--resamples must be between \(Self.resamplesRange.lowerBound) and \(Self.resamplesRange.upperBound), got \(resamples)")
        }
        guard Self.resamplesRange.contains(salts) else {
            throw ValidationError("--salts must be between \(Self.resamplesRange.lowerBound) and \(Self.resamplesRange.upperBound), got \(salts)")
        }
        guard ABAnalysis.metrics.contains(where: { $0.name == metric }) else {
            throw ValidationError("unknown --metric '\(metric)'; expected one of: \(ABAnalysis.metrics.map(\.name).joined(separator: ", "))")
        }
        if out != nil && !["interleaving", "peeking"].contains(check) {
            throw ValidationError("--out applies only to the interleaving and peeking checks")
        }
        guard Self.seedsRange.contains(seeds) else {
            throw ValidationError("--seeds must be between \(Self.seedsRange.lowerBound) and \(Self.seedsRange.upperBound), got \(seeds)")
        }
        guard skew > 0 && skew < 1 else { throw ValidationError("--skew must be in (0, 1), got \(skew)") }
    }

    func run() throws {
        try reportingErrors { try common.withContext(provenance: false) { context in
            if check == "truth" {
                try ValidateTruth.run(configPath: config, seeds: seeds, retrain: retrain, context: context)
                return
            }
            let progress = context.showsProgress ? context.progress("validate \(check)", total: seeds) : nil
            if check == "interleaving" || check == "peeking" {
                // Find gnuplot and check the folder before any work, so a missing tool fails fast with nothing written.
                let gnuplot = (out == nil || noCharts) ? nil : try Gnuplot.locate()
                if let out { try OutputLocation.checkFolder(out) }
                let content: ReportContent
                if check == "interleaving" {
                    let (cfg, _) = try InterleavingConfig.load(path: config)
                    let world = try DatasetSources.world(cfg.dataset, context: context)
                    let r = try context.bound {
                        try FastDecisionValidation.interleaving(config: cfg, world: world, seeds: seeds, resamples: resamples, progress: progress)
                    }
                    printInterleaving(r)
                    content = ValidationReports.interleaving(r, charts: gnuplot != nil)
                } else {
                    let (ab, _) = try ABConfig.load(path: config)
                    let world = try DatasetSources.world(ab.dataset, context: context)
                    let r = try context.bound {
                        try FastDecisionValidation.peeking(config: ab, world: world, metric: metric, salts: salts, seeds: seeds,
                                                           retrain: retrain, progress: progress)
                    }
                    printPeeking(r)
                    content = ValidationReports.peeking(r, charts: gnuplot != nil)
                }
                if let out {
                    let path = try Report.write(content, to: URL(fileURLWithPath: out), gnuplot: gnuplot)
                    print("report: \(path.path)")
                }
                return
            }
            if check == "ope" {
                let (ope, _) = try OPEConfig.load(path: config)
                let world = try DatasetSources.world(ope.dataset, context: context)
                let r = try Validation.ope(config: ope, world: world, seeds: seeds, progress: progress)
                Self.printReport(.ope(r), check: check, config: .ope(ope), worldKind: world.kind, retrain: retrain)
                return
            }
            let (ab, _) = try ABConfig.load(path: config)
            let world = try DatasetSources.world(ab.dataset, context: context)
            let report: Validation.Report
            switch check {
            case "srm": report = .srm(try Validation.srm(config: ab, world: world, seeds: seeds, skew: skew))
            case "aa": report = .rates(try Validation.aa(config: ab, world: world, seeds: seeds, retrain: retrain, progress: progress))
            default: report = .rates(try Validation.planted(config: ab, world: world, seeds: seeds, retrain: retrain, progress: progress))
            }
            Self.printReport(report, check: check, config: .ab(ab), worldKind: world.kind, retrain: retrain)
        } }
    }

    func printInterleaving(_ r: InterleavingValidationSummary) {
        func users(_ x: Double?) -> String { x.map { String(format: "%.0f", $0) } ?? "not reached" }
        print("Interleaving sensitivity '\(r.name)' (\(r.world) world): \(r.a) vs \(r.b), \(r.seeds) seeds, \(r.days) days, "
              + String(format: "%.0f%% power at alpha %g", 100 * r.targetPower, r.alpha))
        print(String(format: "  true value (expected plays per user of its top-picks row): %@ %.4f, %@ %.4f", r.a, r.trueValueA, r.b, r.trueValueB))
        print("  seed  interleaving users  A/B users (both arms)  A/B metric               ratio")
        for k in 0..<r.seeds {
            print(String(format: "  %4d  %18@  %21@  %-22@  %@", k, users(r.interleavingUsers[k]), users(r.abUsers[k]), r.abMetric[k],
                         r.ratios[k].map { String(format: "%.1f", $0) } ?? "-"))
        }
        print(String(format: "  ratio A/B / interleaving: geometric mean %.1fx (95%% interval %.1f-%.1fx over %d seeds with both reached)",
                     r.ratioGeometricMean, r.ratioLow, r.ratioHigh, r.ratios.compactMap { $0 }.count))
        print(String(format: "  agreement with the true winner: %d/%d seeds (%.0f%%)", r.agreements, r.seeds, 100 * Double(r.agreements) / Double(r.seeds)))
    }

    func printPeeking(_ r: PeekingValidationSummary) {
        print("Peeking '\(r.name)' (\(r.world) world): metric \(r.metric), \(r.days) daily looks, alpha \(r.alpha); \(r.aaSalts) A/A salts, \(r.plantedSeeds) planted-effect seeds")
        print("  method               A/A ever significant   planted: stopped   mean stop day   user-days saved")
        func row(_ name: String, _ aa: Int, _ stopped: Int, _ day: Double, _ saved: Double) {
            print("  " + name.padding(toLength: 20, withPad: " ", startingAt: 0)
                  + String(format: " %4d/%-4d (%5.1f%%)    %4d/%-4d       %6.2f          %5.1f%%", aa, r.aaSalts, 100 * Double(aa) / Double(r.aaSalts),
                           stopped, r.plantedSeeds, day, 100 * saved))
        }
        row("fixed horizon", r.fixedAASignificant, r.fixedPlantedSignificant, Double(r.days - 1), 0)
        for m in r.methods { row(m.name, m.aaEverSignificant, m.plantedStopped, m.meanStopDay, m.userDaysSaved) }
        print("  (fixed horizon: tested once on the last day; planted power lost = fixed-horizon share - method's stopped share)")
    }

    /// Prints a validation's report (`validate`, and `gather` of a validation plan).
    static func printReport(_ report: Validation.Report, check: String, config: Validation.Config, worldKind: String, retrain: Bool) {
        switch (report, config) {
        case (.ope(let r), .ope(let ope)):
            print("OPE validation '\(ope.name)' (\(worldKind) world): \(r.seeds) independent logs of \(ope.visits) visits")
            for t in r.targets {
                print("\n\(t.name): " + String(format: "true value %.4f", t.truth))
                print("  estimator  coverage of 95% CI   mean estimate   bias      mean |error|")
                for e in t.estimators {
                    print("  " + e.name.padding(toLength: 10, withPad: " ", startingAt: 0)
                          + String(format: " %4d/%-4d (%5.1f%%)    %.4f          %+.4f   %.4f", e.covered, r.seeds,
                                   100 * Double(e.covered) / Double(r.seeds), e.mean, e.mean - t.truth, e.meanAbsError))
                }
            }
        case (.srm(let r), .ab(let ab)):
            print("SRM validation '\(ab.name)' (\(worldKind) world, " + String(format: "%.0f analysed users per run, threshold %g):",
                         r.meanUsers, ab.analysis.srmThreshold))
            print(String(format: "  correct assignment flagged in %d of %d salts (%.1f%%)", r.flaggedCorrect, r.seeds,
                         100 * Double(r.flaggedCorrect) / Double(r.seeds)))
            print(String(format: "  treatment losing %.0f%% of its users flagged in %d of %d salts (%.1f%%)", 100 * r.skew,
                         r.flaggedSkewed, r.seeds, 100 * Double(r.flaggedSkewed) / Double(r.seeds)))
        case (.rates(let r), .ab(let ab)):
            let isAA = check == "aa"
            let control = ab.simulation.arms[ab.simulation.control]
            print((isAA ? "A/A validation" : "Planted-effect validation") + " '\(ab.name)' (\(worldKind) world): "
                  + "\(control.type) vs \(isAA ? control.type : "oracle"), \(r.seeds) seeds, \(ab.simulation.days) days, "
                  + (retrain ? "retraining every \(ab.simulation.retrainEvery) days" : "no retraining")
                  + String(format: ", alpha %g", ab.analysis.alpha))
            print("  metric                        " + (isAA ? "false positives (raw p < alpha)" : "significant (raw p)   of which positive"))
            let cupedNames = ab.analysis.cuped ? ABAnalysis.cupedMetrics.map { "cuped:" + $0 } : []
            for m in ABAnalysis.metrics.map(\.name) + cupedNames {
                let n = r.significant[m, default: 0]
                var line = "  " + m.padding(toLength: 30, withPad: " ", startingAt: 0)
                    + String(format: "%4d/%-4d (%5.1f%%)", n, r.seeds, 100 * r.rate(m))
                if !isAA { line += String(format: "   %4d", r.positive[m, default: 0]) }
                print(line)
            }
            print(String(format: "  runs with any Holm-significant comparison: %d/%d (%.1f%%)", r.anyHolmSignificant, r.seeds,
                         100 * Double(r.anyHolmSignificant) / Double(r.seeds)))
        default:
            break
        }
    }
}
