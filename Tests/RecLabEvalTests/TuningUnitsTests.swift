import Foundation
import RecLabApp
import RecLabCore
@testable import RecLabEval
import RecLabResults
import RecLabTestSupport
import XCTest

/// A tuned run cut into `tune-trial` units (one per strategy x trial x validation fold), run in shuffled order
/// and gathered, gives the document `Tuner.run` gives: the same trials, fold scores, best iterations, selection
/// and test metrics. Searches whose trials are not fixed in advance are refused at planning.
final class TuningUnitsTests: XCTestCase {
    private func tinyConfig(_ edit: (String) -> String = { $0 }) throws -> ExperimentConfig {
        let url = TestSupport.packageRoot.appendingPathComponent("experiments/tune-tiny.yaml")
        let text = edit(TestSupport.rootedConfigText(try String(contentsOf: url, encoding: .utf8)))
        return try ExperimentConfig.parse(text: text, path: "tune-tiny.yaml")
    }

    /// The document without what names the clock (seconds are the units' own).
    private func comparable(_ d: OfflineResults) throws -> String {
        var d = d
        d.provenance.createdAt = nil
        for i in d.strategies.indices { d.strategies[i].fitSeconds = 0; d.strategies[i].evalSeconds = 0 }
        if var t = d.tuning {
            for s in t.strategies.indices {
                t.strategies[s].seconds = 0
                for i in t.strategies[s].trials.indices { t.strategies[s].trials[i].seconds = 0 }
            }
            d.tuning = t
        }
        return String(decoding: try ResultJSON.encoder().encode(d), as: UTF8.self)
    }

    /// Plans `config`, runs every unit in a shuffled order and gathers; returns the plan and the gathered output.
    private func sharded(_ config: ExperimentConfig, dataset: Dataset, seed: UInt64) throws -> (WorkPlan, ExperimentOutput) {
        let plan = try ExperimentRunner.plan(config, dataset: dataset, context: RunContext(threads: 2))
        var rng = SeededRandom(seed: seed)
        var order = Array(plan.units.indices)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.nextDouble() * Double(i + 1))) }
        XCTAssertNotEqual(order, Array(plan.units.indices), "shuffled")
        var partials: [Int: (TuneTrialUnitResult, UnitTiming)] = [:]
        for i in order {
            partials[i] = try Tuner.runUnit(config, dataset: dataset, plan: plan, index: i, source: "plan", context: RunContext(threads: 2))
        }
        // Running a unit again gives the same partial result.
        XCTAssertEqual(try Tuner.runUnit(config, dataset: dataset, plan: plan, index: order[0], source: "plan").result, partials[order[0]]?.0)
        let output = try Tuner.gather(config, dataset: dataset, plan: plan, source: "plan", context: RunContext(threads: 2)) { i in
            let p = try XCTUnwrap(partials[i])
            return (p.0, p.1)
        }
        return (plan, output)
    }

    private func assertSameTuning(_ a: OfflineResults, _ b: OfflineResults, file: StaticString = #filePath, line: UInt = #line) throws {
        let ta = try XCTUnwrap(a.tuning, file: file, line: line), tb = try XCTUnwrap(b.tuning, file: file, line: line)
        XCTAssertEqual(ta.strategies.map(\.strategy), tb.strategies.map(\.strategy), file: file, line: line)
        for (x, y) in zip(ta.strategies, tb.strategies) {
            XCTAssertEqual(x.trials.map(\.id), y.trials.map(\.id), x.strategy, file: file, line: line)
            XCTAssertEqual(x.trials.map(\.parameters), y.trials.map(\.parameters), x.strategy, file: file, line: line)
            XCTAssertEqual(x.trials.map(\.seed), y.trials.map(\.seed), x.strategy, file: file, line: line)
            XCTAssertEqual(x.trials.map(\.foldScores), y.trials.map(\.foldScores), x.strategy, file: file, line: line)
            XCTAssertEqual(x.trials.map(\.bestIterations), y.trials.map(\.bestIterations), x.strategy, file: file, line: line)
            XCTAssertEqual(x.trials.map(\.error), y.trials.map(\.error), x.strategy, file: file, line: line)
            XCTAssertEqual(x.selectedTrial, y.selectedTrial, x.strategy, file: file, line: line)
            XCTAssertEqual(x.selected, y.selected, x.strategy, file: file, line: line)
            XCTAssertEqual(x.stoppedBy, y.stoppedBy, x.strategy, file: file, line: line)
        }
        XCTAssertEqual(a.results.map(\.mean), b.results.map(\.mean), file: file, line: line)
        XCTAssertEqual(a.results.map(\.ciLow), b.results.map(\.ciLow), file: file, line: line)
        XCTAssertEqual(a.results.map(\.ciHigh), b.results.map(\.ciHigh), file: file, line: line)
        // And everything else in the document but the clock.
        XCTAssertEqual(try comparable(a), try comparable(b), file: file, line: line)
    }

    /// The shipped tune-tiny.yaml (random search, an iterative strategy with early stopping, a strategy without a
    /// search): 19 trials x 1 validation fold.
    func testShippedTuneTinyShardsLikeTheSingleRun() throws {
        let config = try tinyConfig()
        let dataset = try DatasetSources.dataset(for: config, context: RunContext())
        let single = try Tuner.run(config, dataset: dataset, context: RunContext(threads: 2))
        let (plan, gathered) = try sharded(config, dataset: dataset, seed: 3)
        XCTAssertEqual(plan.command, Tuner.planCommand)
        XCTAssertEqual(plan.units.count, 1 + 6 + 6 + 6)
        XCTAssertEqual(plan.units[1].id, "tune/item-knn/trial-0/fold-1")
        XCTAssertEqual(plan.units[1].coordinates, ["strategy": 1, "trial": 0, "fold": 0])
        XCTAssertTrue(plan.units.allSatisfy { $0.kind == .tuneTrial })
        try assertSameTuning(gathered.document, single.document)
        let ials = try XCTUnwrap(gathered.document.tuning?.strategies.last)
        XCTAssertNotNil(ials.trials.first?.bestIterations, "early stopping is covered")
    }

    /// Two validation folds (k-fold) and a grid: each trial's fold scores are assembled in fold order.
    func testGridOnTwoFoldsShardsLikeTheSingleRun() throws {
        let config = try tinyConfig { text in
            text.replacingOccurrences(of: "  method: user-temporal\n  fraction: 0.2", with: "  method: kfold\n  k: 2")
                .replacingOccurrences(of: "method: random ", with: "method: grid   ")
                .replacingOccurrences(of: "trials: 6 ", with: "trials: 3 ")
        }
        XCTAssertEqual(config.tuning?.method, .grid)
        let dataset = try DatasetSources.dataset(for: config, context: RunContext())
        let single = try Tuner.run(config, dataset: dataset, context: RunContext(threads: 2))
        let (plan, gathered) = try sharded(config, dataset: dataset, seed: 8)
        XCTAssertEqual(plan.units.count, (1 + 3 + 3 + 3) * 2)
        XCTAssertEqual(plan.units[3].id, "tune/item-knn/trial-0/fold-2")
        try assertSameTuning(gathered.document, single.document)
        XCTAssertTrue(try XCTUnwrap(gathered.document.tuning).strategies.allSatisfy { $0.trials.allSatisfy { $0.foldScores.count == 2 } })
    }

    /// Halving and a seconds budget are refused at planning, naming file, line and key; a plan whose units were
    /// edited, and a partial result of another unit or without a score, are refused.
    func testUnplannableSearchesAndTamperedPlansAreRefused() throws {
        for (edit, key, line) in [("method: random ", "tune.method", 14), ("trials: 6 ", "tune.seconds", 15)] {
            let config = try tinyConfig { text in
                text.replacingOccurrences(of: edit, with: key == "tune.method" ? "method: halving" : "seconds: 60")
            }
            let dataset = try DatasetSources.dataset(for: config, context: RunContext())
            do {
                _ = try ExperimentRunner.plan(config, dataset: dataset)
                XCTFail("\(key): planned")
            } catch let e as RecLabError {
                XCTAssertEqual(e.file, "tune-tiny.yaml", "\(e)")
                XCTAssertEqual(e.key, key, "\(e)")
                XCTAssertEqual(e.line, line, "\(e)")
                XCTAssertTrue(e.message.contains("reclab tune"), "\(e)")
            }
        }

        let config = try tinyConfig()
        let dataset = try DatasetSources.dataset(for: config, context: RunContext())
        let plan = try ExperimentRunner.plan(config, dataset: dataset)
        var edited = plan
        edited.units[2].coordinates["trial"] = 7
        XCTAssertThrowsError(try Tuner.runUnit(config, dataset: dataset, plan: edited, index: 2, source: "plan")) {
            XCTAssertTrue("\($0)".contains("not those planning gives"), "\($0)")
        }
        // An offline plan of the same config is not a plan of its search.
        var offline = plan
        offline.command = ExperimentRunner.planCommand
        XCTAssertThrowsError(try ExperimentRunner.runUnit(config, dataset: dataset, plan: offline, index: 0, source: "plan")) {
            XCTAssertTrue("\($0)".contains("'tune:' block"), "\($0)")
        }

        var partials = try plan.units.indices.map { try Tuner.runUnit(config, dataset: dataset, plan: plan, index: $0, source: "plan").result }
        func gather() throws -> ExperimentOutput {
            try Tuner.gather(config, dataset: dataset, plan: plan, source: "plan") { (partials[$0], nil) }
        }
        let good = partials
        partials[3] = good[4]
        XCTAssertThrowsError(try gather()) { XCTAssertTrue("\($0)".contains("result of another unit"), "\($0)") }
        partials = good
        partials[5].score = nil
        XCTAssertThrowsError(try gather()) { XCTAssertTrue("\($0)".contains("neither of a score and an error"), "\($0)") }
        partials = good
        partials[18].bestIteration = 99
        XCTAssertThrowsError(try gather()) { XCTAssertTrue("\($0)".contains("best iteration 99"), "\($0)") }
    }
}
