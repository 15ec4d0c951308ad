import Foundation
import RecLabApp
import RecLabCore
import RecLabEval
import RecLabResults
import RecLabSplits
import RecLabStrategies
import RecLabTestSupport
import XCTest

/// Tuning on validation data (`tune:`): config checks, the validation carving, early stopping, selection and
/// determinism, on the tiny synthetic world.
final class TuningTests: XCTestCase {
    private func tinyConfig(_ edit: (String) -> String = { $0 }) throws -> ExperimentConfig {
        let url = TestSupport.packageRoot.appendingPathComponent("experiments/tune-tiny.yaml")
        let text = edit(TestSupport.rootedConfigText(try String(contentsOf: url, encoding: .utf8)))
        return try ExperimentConfig.parse(text: text, path: "tune-tiny.yaml")
    }

    private func config(_ tune: String, search: String, type: String = "ease", params: String = "") -> String {
        """
        name: t
        dataset: {synthetic: \(TestSupport.packageRoot.path)/datasets/tiny.yaml}
        split: {method: user-temporal, fraction: 0.2}
        tune:
        \(tune)
        strategies:
          - name: s
            type: \(type)
        \(params)
            search:
        \(search)
        metrics: [ndcg@10]
        """
    }

    private func configError(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> RecLabError? {
        do {
            _ = try ExperimentConfig.parse(text: text, path: "bad.yaml")
            XCTFail("expected a config error", file: file, line: line)
            return nil
        } catch let e as RecLabError {
            XCTAssertEqual(e.file, "bad.yaml", file: file, line: line)
            XCTAssertNotNil(e.line, "\(e)", file: file, line: line)
            return e
        } catch {
            XCTFail("\(error)", file: file, line: line)
            return nil
        }
    }

    func testShippedTinyConfigParses() throws {
        let c = try tinyConfig()
        let plan = try XCTUnwrap(c.tuning)
        XCTAssertEqual(plan.metric.name, "ndcg@10")
        XCTAssertEqual(plan.method, .random)
        XCTAssertEqual(plan.trials, 6)
        let knn = try XCTUnwrap(c.strategies.first { $0.name == "item-knn" })
        XCTAssertEqual(knn.search.map(\.parameter), ["k", "shrink"])
        XCTAssertEqual(knn.search[0].domain, .values([.int(10), .int(20), .int(50)]))
        XCTAssertEqual(c.strategies.first { $0.name == "ease" }?.search.first?.domain, .logRange(10, 1000, integer: false))
    }

    func testHostileSearchConfigsNameFileLineAndKey() {
        let tune = "  metric: ndcg@10\n  trials: 3"
        // A parameter the strategy does not declare.
        var e = configError(config(tune, search: "      lambada: [1, 2]"))
        XCTAssertEqual(e?.key, "strategies[0].search.lambada"); XCTAssert(e?.message.contains("not a parameter of ease") == true, "\(String(describing: e))")
        // A range leaving the declared range of the parameter.
        e = configError(config(tune, search: "      lambda: {range: [-5, 10]}"))
        XCTAssert(e?.message.contains("must stay in") == true, "\(String(describing: e))")
        // A log range must be positive; integer parameters need integer bounds; bools need lists.
        e = configError(config(tune, search: "      k: {log: [0, 10]}", type: "item-knn"))
        XCTAssert(e?.message.contains("log range needs low > 0") == true, "\(String(describing: e))")
        e = configError(config(tune, search: "      k: {range: [1.5, 10]}", type: "item-knn"))
        XCTAssert(e?.message.contains("integer bounds") == true, "\(String(describing: e))")
        e = configError(config(tune, search: "      binarize: {range: [0, 1]}"))
        XCTAssert(e?.message.contains("list its values") == true, "\(String(describing: e))")
        // A listed value the strategy refuses.
        e = configError(config(tune, search: "      lambda: [100, -1]"))
        XCTAssert(e?.message.contains("does not accept lambda = -1") == true, "\(String(describing: e))")
        // Budgets, methods and metrics.
        e = configError(config("  metric: ndcg@10\n  trials: 0", search: "      lambda: [1]"))
        XCTAssertEqual(e?.key, "tune.trials")
        e = configError(config("  metric: ndcg@10\n  method: bayes", search: "      lambda: [1]"))
        XCTAssert(e?.message.contains("grid, random, halving") == true, "\(String(describing: e))")
        e = configError(config("  metric: coverage@10", search: "      lambda: [1]"))
        XCTAssert(e?.message.contains("catalogue metric") == true, "\(String(describing: e))")
        e = configError(config("  metric: ndcg@10\n  seconds: -3", search: "      lambda: [1]"))
        XCTAssertEqual(e?.key, "tune.seconds")
        e = configError(config("  metric: ndcg@10\n  typo: 1", search: "      lambda: [1]"))
        XCTAssertEqual(e?.key, "tune.typo")
        // `search` without `tune:`, and a searched parameter that is also fixed.
        e = configError("""
            name: t
            dataset: {synthetic: \(TestSupport.packageRoot.path)/datasets/tiny.yaml}
            split: {method: user-temporal, fraction: 0.2}
            strategies: [{name: s, type: ease, search: {lambda: [1, 2]}}]
            metrics: [ndcg@10]
            """)
        XCTAssert(e?.message.contains("needs a 'tune:' block") == true, "\(String(describing: e))")
        e = configError(config(tune, search: "      lambda: [1, 2]", params: "    params: {lambda: 3}"))
        XCTAssert(e?.message.contains("both fixed in params and searched") == true, "\(String(describing: e))")
    }

    /// The validation part lies inside the training part (never in test) and follows the split's rule: per
    /// user, the latest training interactions.
    func testValidationIsCarvedFromTheTrainingPartOnly() throws {
        let c = try tinyConfig()
        let dataset = try DatasetSources.dataset(for: c, context: RunContext())
        let fold = try c.split.folds(of: dataset, seed: c.seed)[0]
        let v = try Splitter.validation(of: fold.train, outerTestCount: fold.test.count, in: dataset, method: c.split.method, seed: 1)
        XCTAssertEqual(Set(v.train).union(v.test), Set(fold.train))
        XCTAssertTrue(Set(v.train).isDisjoint(with: v.test))
        XCTAssertTrue(Set(v.test).isDisjoint(with: fold.test))
        XCTAssertFalse(v.test.isEmpty)
        // Per user: every validation interaction is at or after every remaining training interaction.
        var latestTrain: [Int32: Int64] = [:], earliestValidation: [Int32: Int64] = [:]
        for r in v.train { latestTrain[dataset.users[Int(r)]] = max(latestTrain[dataset.users[Int(r)]] ?? .min, dataset.timestamps[Int(r)]) }
        for r in v.test { earliestValidation[dataset.users[Int(r)]] = min(earliestValidation[dataset.users[Int(r)]] ?? .max, dataset.timestamps[Int(r)]) }
        for (u, t) in earliestValidation { XCTAssertGreaterThanOrEqual(t, latestTrain[u] ?? .min) }
        // Random carving (holdout) of the same share, reproducible from its seed.
        let h1 = try Splitter.validation(of: fold.train, outerTestCount: fold.test.count, in: dataset, method: .holdout(testFraction: 0.25), seed: 9)
        let h2 = try Splitter.validation(of: fold.train, outerTestCount: fold.test.count, in: dataset, method: .holdout(testFraction: 0.25), seed: 9)
        XCTAssertEqual(h1, h2)
        XCTAssertEqual(Double(h1.test.count), Double(fold.train.count) * 0.25, accuracy: 1)
    }

    /// Strong generalisation inside a training part: validation users are training users, held out whole (never
    /// in the fitted rows), each giving the fold-in share of their rows; no outer test user is validated.
    func testStrongGeneralizationValidationHoldsOutTrainingUsers() throws {
        let c = try tinyConfig { $0.replacingOccurrences(of: "  method: user-temporal\n  fraction: 0.2",
                                                         with: "  method: strong-generalization\n  users: 0.25\n  fold_in: 0.6") }
        guard case .strongGeneralization = c.split.method else { return XCTFail("the edit did not take: \(c.split.method)") }
        let dataset = try DatasetSources.dataset(for: c, context: RunContext())
        let fold = try c.split.folds(of: dataset, seed: c.seed)[0]
        let v = try Splitter.validation(of: fold.train, outerTestCount: fold.test.count, in: dataset, method: c.split.method, seed: 4)
        XCTAssertEqual(Set(v.train).union(v.test).union(v.foldIn), Set(fold.train))
        let users = { (rows: [Int32]) in Set(rows.map { dataset.users[Int($0)] }) }
        let validationUsers = users(v.test)
        XCTAssertEqual(validationUsers, users(v.foldIn), "every validation user gives fold-in rows")
        XCTAssertTrue(validationUsers.isDisjoint(with: users(v.train)), "validation users are not fitted on")
        XCTAssertTrue(validationUsers.isDisjoint(with: users(fold.test)), "no outer test user is validated")
        let trainingUsers = users(fold.train).filter { u in fold.train.filter { dataset.users[Int($0)] == u }.count >= 2 }
        XCTAssertEqual(Double(validationUsers.count), Double(trainingUsers.count) * 0.25, accuracy: 1)
        for u in validationUsers {
            let n = fold.train.filter { dataset.users[Int($0)] == u }.count
            XCTAssertEqual(v.foldIn.filter { dataset.users[Int($0)] == u }.count, min(n - 1, max(1, Int((Double(n) * 0.6).rounded()))))
        }
        XCTAssertEqual(v, try Splitter.validation(of: fold.train, outerTestCount: fold.test.count, in: dataset, method: c.split.method, seed: 4))

        // A whole tuning run on that protocol: every trial scored (fold-in before each check of implicit-als too),
        // the record names the carving, the test run folds in the outer held-out users.
        let out = try Tuner.run(c, dataset: dataset, context: RunContext(threads: 2)).document
        let tuning = try XCTUnwrap(out.tuning)
        XCTAssert(tuning.validation.hasPrefix("strong-generalization: a random 0.25 of the training users"), tuning.validation)
        for s in tuning.strategies {
            XCTAssert(s.trials.allSatisfy { $0.error == nil && $0.score.isFinite && $0.score > 0 }, "\(s.strategy): \(s.trials.map(\.score))")
        }
        XCTAssert(out.results.filter { $0.metric == "ndcg@10" }.allSatisfy { $0.mean.isFinite })
        // Fold-in matters: ease scored without the validation users' fold-in would rank by nothing for them.
        let ease = try XCTUnwrap(tuning.strategies.first { $0.strategy == "ease" })
        XCTAssertGreaterThan(try XCTUnwrap(ease.trials.map(\.score).max()), 0.05)
    }

    func testEarlyStoppingStopsAfterPatienceAndKeepsTheBest() throws {
        // Scores rise, peak at iteration 4, then fall: with patience 2 the fit stops at 6, best is 4.
        let scores: [Double] = [0.1, 0.2, 0.3, 0.5, 0.4, 0.35, 0.6, 0.7]
        let box = Counter()
        let stopper = EarlyStopper(patience: 2, checkEvery: 1, limit: 8) { scores[box.next() - 1] }
        var stoppedAt = 0
        for it in 1...8 { stoppedAt = it; if !stopper.check(it) { break } }
        XCTAssertEqual(stoppedAt, 6)
        XCTAssertEqual(stopper.best.iteration, 4)
        XCTAssertEqual(stopper.best.score, 0.5)
    }

    /// The iteration hook stops each iterative strategy's fit: it is called once per iteration until it says stop.
    func testIterativeStrategiesHonourTheIterationHook() throws {
        let c = try tinyConfig()
        let dataset = try DatasetSources.dataset(for: c, context: RunContext())
        let train = TrainingSet(dataset: dataset, feedback: .explicit)
        for (typeName, param) in [("als", "iterations"), ("implicit-als", "iterations"), ("bpr", "epochs"), ("biased-mf", "epochs"),
                                 ("svdpp", "epochs")] {
            let model = try StrategyRegistry.make(type: typeName, parameters: Parameters([param: .int(20), "factors": .int(4)]))
            XCTAssertEqual((type(of: model) as? any IterativeRecommender.Type)?.iterationParameter, param)
            let calls = Counter()
            try model.fit(train, context: FitContext(seed: 1, afterIteration: { it in
                XCTAssertEqual(it, calls.next())
                // The model can score mid-fit.
                var buffer = [Float](repeating: .nan, count: train.itemCount)
                buffer.withUnsafeMutableBufferPointer { model.score(user: 0, into: $0) }
                XCTAssertTrue(buffer.allSatisfy(\.isFinite), typeName)
                return it < 3
            }))
            XCTAssertEqual(calls.value, 3, typeName)
        }
    }

    /// A full tuning run: every strategy gets its budget, the selected trial has the best validation score, the
    /// refitted strategies carry the selected parameters, and the record does not depend on the thread count.
    func testTuningSelectsTheBestValidationTrialDeterministically() throws {
        let c = try tinyConfig()
        let dataset = try DatasetSources.dataset(for: c, context: RunContext())
        let one = try Tuner.run(c, dataset: dataset, context: RunContext(threads: 1)).document
        let two = try Tuner.run(c, dataset: dataset, context: RunContext(threads: 2)).document
        let t1 = try XCTUnwrap(one.tuning), t2 = try XCTUnwrap(two.tuning)
        XCTAssertEqual(t1.strategies.map(\.strategy), ["most-popular", "item-knn", "ease", "implicit-als"])
        XCTAssertEqual(t1.strategies.map { $0.trials.count }, [1, 6, 6, 6])
        for (a, b) in zip(t1.strategies, t2.strategies) {
            XCTAssertEqual(a.trials.map(\.parameters), b.trials.map(\.parameters))
            XCTAssertEqual(a.trials.map(\.score), b.trials.map(\.score))
            XCTAssertEqual(a.trials.map(\.bestIterations), b.trials.map(\.bestIterations))
            XCTAssertEqual(a.selected, b.selected)
        }
        XCTAssertEqual(one.results.map(\.mean), two.results.map(\.mean))
        for s in t1.strategies where !s.space.isEmpty {
            let selected = try XCTUnwrap(s.trials.first { $0.id == s.selectedTrial })
            XCTAssertEqual(selected.score, s.trials.map(\.score).max())
            // Trials differ (random points), and every searched value lies in its domain.
            XCTAssertGreaterThan(Set(s.trials.map(\.parameters)).count, 1, s.strategy)
            for (k, v) in selected.parameters where k != "iterations" { XCTAssertEqual(s.selected[k], v) }
            // The test run used exactly the selected parameters.
            let run = try XCTUnwrap(one.strategies.first { $0.name == s.strategy })
            XCTAssertEqual(run.parameters, s.selected)
        }
        for trial in t1.strategies[2].trials {
            let lambda = try XCTUnwrap(Double(trial.parameters["lambda"] ?? ""))
            XCTAssert((10...1000).contains(lambda))
        }
        // implicit-als: early stopping recorded per validation fold within the cap, the refit uses the best count.
        let ials = t1.strategies[3]
        let chosen = try XCTUnwrap(ials.trials.first { $0.id == ials.selectedTrial })
        let best = try XCTUnwrap(chosen.bestIterations)
        XCTAssertEqual(chosen.maxIterations, 12)
        XCTAssert(best.allSatisfy { (1...12).contains($0) })
        XCTAssertEqual(ials.selected["iterations"], String(best.sorted()[(best.count - 1) / 2]))
        // The file of trials lists every trial once.
        let csv = ResultFiles.trialsCSV(t1)
        XCTAssertEqual(csv.split(separator: "\n").count, 1 + 19)
    }

    /// Successive halving: each rung keeps the best 1/eta of the previous one with eta times the iterations.
    func testSuccessiveHalvingRungs() throws {
        let c = try tinyConfig { text in
            text.replacingOccurrences(of: "method: random ", with: "method: halving")
                .replacingOccurrences(of: "trials: 6 ", with: "trials: 9 ")
                .replacingOccurrences(of: "params: {factors: 16, iterations: 12}", with: "params: {factors: 8, iterations: 9}")
        }
        XCTAssertEqual(c.tuning?.method, .halving)
        var spec = try XCTUnwrap(c.strategies.first { $0.name == "implicit-als" })
        spec.name = "implicit-als"
        var only = c
        only.strategies = [spec]
        let dataset = try DatasetSources.dataset(for: c, context: RunContext())
        let t = try XCTUnwrap(try Tuner.run(only, dataset: dataset, context: RunContext(threads: 2)).document.tuning)
        let trials = t.strategies[0].trials
        // 9 configurations at 1 iteration, 3 at 3, 1 at 9 (eta 3).
        XCTAssertEqual([0, 1, 2].map { r in trials.filter { $0.rung == r }.count }, [9, 3, 1])
        XCTAssertEqual([0, 1, 2].map { r in trials.first { $0.rung == r }?.maxIterations }, [1, 3, 9])
        // The survivors of rung 0 are its best three.
        let rung0 = trials.filter { $0.rung == 0 }.sorted { $0.score > $1.score }
        XCTAssertEqual(Set(trials.filter { $0.rung == 1 }.map(\.parameters)), Set(rung0.prefix(3).map(\.parameters)))
        XCTAssertEqual(t.strategies[0].selectedTrial, trials.last?.id)
    }
}

/// A counter a `@Sendable` closure can bump.
// @unchecked Sendable: used from one thread at a time (a fit's iteration hook runs synchronously).
private final class Counter: @unchecked Sendable {
    private(set) var value = 0
    func next() -> Int { value += 1; return value }
}
