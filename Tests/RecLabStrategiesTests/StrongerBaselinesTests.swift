import Foundation
import RecLabCore
import RecLabStrategies
import RecLabTestSupport
import XCTest

/// rp3beta, slim and svdpp (issue 12, "Stronger baselines"): each against an independent reference on
/// hand-checkable data, determinism, and parameter validation.
final class StrongerBaselinesTests: XCTestCase {
    // MARK: rp3beta

    /// Dense reference of the RP3beta walk, straight from the definition:
    /// W_ij = Σ_u (x_ui/d_i)^α (x_uj/d_u)^α / d_j^β (i ≠ j).
    private func referenceRP3(x: [[Double]], alpha: Double, beta: Double) -> [[Double]] {
        let users = x.count, items = x[0].count
        let du = x.map { $0.reduce(0, +) }
        let di = (0..<items).map { i in x.reduce(0) { $0 + $1[i] } }
        return (0..<items).map { i in
            (0..<items).map { j in
                guard i != j, di[i] > 0, di[j] > 0 else { return 0 }
                var s = 0.0
                for u in 0..<users where x[u][i] > 0 && x[u][j] > 0 {
                    s += pow(x[u][i] / di[i], alpha) * pow(x[u][j] / du[u], alpha)
                }
                return s / pow(di[j], beta)
            }
        }
    }

    func testRP3BetaWeightsMatchTheRandomWalkDefinition() throws {
        for (alpha, beta) in [(1.0, 0.0), (0.7, 0.4), (1.3, 1.0)] {
            let r = try StrategyTestData.fitted("rp3beta", ["alpha": .double(alpha), "beta": .double(beta), "k": .int(50)]) as! RP3BetaRecommender
            let x: [[Double]] = [[1, 1, 1, 0, 0], [1, 1, 0, 0, 0], [0, 1, 1, 1, 0], [0, 0, 0, 1, 0]]
            let w = referenceRP3(x: x, alpha: alpha, beta: beta)
            for i in 0..<5 { for j in 0..<5 {
                XCTAssertEqual(Double(r.weight(from: i, to: j)), w[i][j], accuracy: 1e-5, "W[\(i)][\(j)] alpha \(alpha) beta \(beta)")
            } }
            // P3 (alpha 1, beta 0): each row of the two-step walk is a probability distribution over items,
            // counting the return to i itself, which the model leaves out.
            if alpha == 1, beta == 0 {
                for i in 0..<4 {
                    let di = x.reduce(0) { $0 + $1[i] }
                    let back = x.reduce(0.0) { $0 + $1[i] / (di * $1.reduce(0, +)) }
                    let row = (0..<5).reduce(0.0) { $0 + Double(r.weight(from: i, to: $1)) }
                    XCTAssertEqual(row + back, 1, accuracy: 1e-5, "row \(i)")
                }
            }
            // Scores: x_uᵀ W; user 4 (index 3) holds item 4 only.
            let s = StrategyTestData.scores(r, user: 0)
            XCTAssertEqual(Double(s[3]), w[0][3] + w[1][3] + w[2][3], accuracy: 1e-5)
        }
    }

    func testRP3BetaWeightedGraphKeepsTopKAndRanksUnreachedByPopularity() throws {
        let x: [[Double]] = [[5, 4, 1, 0, 0], [4, 5, 0, 0, 0], [0, 2, 5, 4, 0], [0, 0, 0, 5, 0]]
        let w = referenceRP3(x: x, alpha: 0.9, beta: 0.5)
        let r = try StrategyTestData.fitted("rp3beta", ["alpha": .double(0.9), "beta": .double(0.5), "k": .int(1), "binarize": .bool(false)]) as! RP3BetaRecommender
        for i in 0..<4 {
            let best = (0..<5).max { (w[i][$0], -$0) < (w[i][$1], -$1) }!
            for j in 0..<5 {
                XCTAssertEqual(Double(r.weight(from: i, to: j)), j == best ? w[i][j] : 0, accuracy: 1e-5, "top-1 of row \(i)")
            }
        }
        // User 4 (index 3) holds item 4; its single neighbour is item 3 (index 2); the rest rank by popularity.
        XCTAssertEqual(StrategyTestData.ranking(r, user: 3), [2, 1, 0, 4])
        XCTAssertEqual(StrategyTestData.ranking(r, user: 4), [1, 0, 2, 3, 4], "cold user: popularity")
    }

    // MARK: slim

    /// A seeded random 0/1 matrix, `users` × `items`, about `density` full.
    private func randomBinary(users: Int, items: Int, density: Double, seed: UInt64) -> [[Double]] {
        var rng = SeededRandom(seed: seed)
        return (0..<users).map { _ in (0..<items).map { _ in rng.nextDouble() < density ? 1 : 0 } }
    }

    private func trainingSet(_ x: [[Double]]) -> TrainingSet {
        var rows: [(Int, Int, Float, Int64)] = []
        for (u, row) in x.enumerated() { for (i, v) in row.enumerated() where v != 0 { rows.append((u + 1, i + 1, Float(v), 0)) } }
        return TrainingSet(dataset: Dataset(content: TestSupport.tinyContent(users: x.count, movies: x[0].count, ratings: rows)),
                           feedback: .explicit)
    }

    /// The KKT conditions of min ½‖a_j − Aw‖² + β/2‖w‖² + λ‖w‖₁, w ≥ 0, w_j = 0: with the gradient
    /// g_k = (Gw)_k − G_kj + βw_k + λ, every positive weight has g_k = 0 and every zero weight g_k ≥ 0.
    func testSLIMSolutionSatisfiesKKTConditions() throws {
        let x = randomBinary(users: 40, items: 12, density: 0.3, seed: 11)
        let (l1, l2) = (0.5, 2.0)
        let r = try StrategyRegistry.make(type: "slim", parameters: Parameters([
            "l1": .double(l1), "l2": .double(l2), "k": .int(50), "candidates": .int(50), "iterations": .int(100_000),
            "tolerance": .double(0)]))
        try r.fit(trainingSet(x), context: FitContext(seed: 1))
        let slim = r as! SLIMRecommender
        let n = 12
        let g = (0..<n).map { i in (0..<n).map { j in x.reduce(0) { $0 + $1[i] * $1[j] } } }
        var positive = 0
        for j in 0..<n {
            XCTAssertEqual(slim.weight(from: j, to: j), 0, "zero diagonal")
            let w = (0..<n).map { Double(slim.weight(from: $0, to: j)) }
            for k in 0..<n where k != j {
                XCTAssertGreaterThanOrEqual(w[k], 0)
                let gradient = (0..<n).reduce(0) { $0 + g[k][$1] * w[$1] } - g[k][j] + l2 * w[k] + l1
                if w[k] > 0 {
                    positive += 1
                    XCTAssertEqual(gradient, 0, accuracy: 1e-4, "stationary at w[\(k)][\(j)] = \(w[k])")
                } else {
                    XCTAssertGreaterThanOrEqual(gradient, -1e-4, "w[\(k)][\(j)] = 0 must not want to grow")
                }
            }
        }
        XCTAssertGreaterThan(positive, 10, "the fixture must exercise active weights")
        // Scores are x_uᵀ W.
        let s = StrategyTestData.scores(r, user: 0, items: n)
        for j in 0..<n where x[0][j] == 0 {
            let expected = (0..<n).reduce(0.0) { $0 + x[0][$1] * Double(slim.weight(from: $1, to: j)) }
            if expected > 0 { XCTAssertEqual(Double(s[j]), expected, accuracy: 1e-5) }
        }
    }

    func testSLIMSparsificationAndL1() throws {
        let x = randomBinary(users: 40, items: 12, density: 0.3, seed: 11)
        let train = trainingSet(x)
        let topOne = try StrategyRegistry.make(type: "slim", parameters: Parameters(["k": .int(1), "l1": .double(0.1), "l2": .double(1)])) as! SLIMRecommender
        try topOne.fit(train, context: FitContext(seed: 1))
        for j in 0..<12 {
            XCTAssertLessThanOrEqual((0..<12).filter { topOne.weight(from: $0, to: j) > 0 }.count, 1, "k = 1 keeps one weight per column")
        }
        // λ above every G_kj leaves nothing: the gradient at 0 is λ − G_kj > 0 everywhere.
        let empty = try StrategyRegistry.make(type: "slim", parameters: Parameters(["l1": .double(100)])) as! SLIMRecommender
        try empty.fit(train, context: FitContext(seed: 1))
        for i in 0..<12 { for j in 0..<12 { XCTAssertEqual(empty.weight(from: i, to: j), 0) } }
        XCTAssertEqual(StrategyTestData.ranking(empty, user: 0, k: 3, train: train).count, 3, "falls back to popularity")
    }

    // MARK: svdpp

    func testSVDPlusPlusLossDecreasesAndMatchesBiasedMF() throws {
        let f = try AlsSparkParityTests.fixture()
        let model = try StrategyRegistry.make(type: "svdpp", parameters: Parameters([:])) as! SVDPlusPlusRecommender
        try model.fit(f.train, context: FitContext(seed: 3))
        XCTAssertEqual(model.trainingLoss.count, 20)
        for e in 1..<model.trainingLoss.count {
            XCTAssertLessThan(model.trainingLoss[e], model.trainingLoss[e - 1], "training RMSE falls every epoch (epoch \(e))")
        }
        let svdpp = AlsSparkParityTests.rmse(model, f.test)
        let mf = try StrategyRegistry.make(type: "biased-mf", parameters: Parameters(["factors": .int(20), "epochs": .int(20)]))
        try mf.fit(f.train, context: FitContext(seed: 3))
        let biased = AlsSparkParityTests.rmse(mf, f.test)
        let mean = f.train.globalMean
        let constant = (f.test.reduce(0.0) { $0 + pow(Double($1.rating - mean), 2) } / Double(f.test.count)).squareRoot()
        XCTAssertLessThan(svdpp, constant - 0.1, "svdpp \(svdpp) vs the training mean \(constant)")
        XCTAssertLessThan(svdpp, biased + 0.01, "svdpp \(svdpp) vs biased-mf \(biased)")
        // The implicit term matters: a cold-start-like user (few ratings) still differs from biases alone.
        XCTAssertTrue(model.predictsRatings)
    }

    func testSVDPlusPlusStopsEarlyWithTheModelOfItsLastEpoch() throws {
        let f = try AlsSparkParityTests.fixture()
        XCTAssertTrue(StrategyRegistry.type(named: "svdpp") is any IterativeRecommender.Type, "svdpp takes early stopping")
        // A hook that stops after epoch 3 leaves the model a 3-epoch fit gives (same seed, same draws).
        let stopped = try StrategyRegistry.make(type: "svdpp", parameters: Parameters([:])) as! SVDPlusPlusRecommender
        try stopped.fit(f.train, context: FitContext(seed: 3, afterIteration: { $0 < 3 }))
        XCTAssertEqual(stopped.trainingLoss.count, 3)
        let short = try StrategyRegistry.make(type: "svdpp", parameters: Parameters(["epochs": .int(3)]))
        try short.fit(f.train, context: FitContext(seed: 3))
        let full = try StrategyRegistry.make(type: "svdpp", parameters: Parameters([:]))
        try full.fit(f.train, context: FitContext(seed: 3))
        let pairs = f.test.prefix(200)
        XCTAssertEqual(pairs.map { stopped.predict(user: $0.user, item: $0.item) }, pairs.map { short.predict(user: $0.user, item: $0.item) })
        XCTAssertNotEqual(pairs.map { stopped.predict(user: $0.user, item: $0.item) }, pairs.map { full.predict(user: $0.user, item: $0.item) },
                          "20 epochs give another model")
    }

    func testDeterministicForASeed() throws {
        // Small data: svdpp on 60 users × 30 items with ratings, slim and rp3beta on the same interactions.
        var rng = SeededRandom(seed: 21)
        let x = (0..<60).map { _ in (0..<30).map { _ in rng.nextDouble() < 0.3 ? Double(1 + rng.nextInt(5)) : 0 } }
        let train = trainingSet(x)
        for type in ["svdpp", "slim", "rp3beta"] {
            var runs: [[Float]] = []
            for seed in [5, 5, 6] {
                let m = try StrategyRegistry.make(type: type, parameters: Parameters([:]))
                try m.fit(train, context: FitContext(seed: UInt64(seed)))
                var s = [Float](repeating: 0, count: train.itemCount)
                s.withUnsafeMutableBufferPointer { m.score(user: 7, into: $0) }
                runs.append(s)
            }
            XCTAssertEqual(runs[0], runs[1], "\(type): same seed, same scores")
            XCTAssertTrue(runs[0].contains { $0 > 0 }, "\(type) scores something")
            if type == "svdpp" { XCTAssertNotEqual(runs[0], runs[2], "svdpp: another seed, another model") }
        }
    }

    func testParameterValidation() {
        let bad: [(String, [String: ParamValue], String)] = [
            ("rp3beta", ["alpha": .double(-1)], "alpha"), ("rp3beta", ["k": .int(0)], "k"), ("rp3beta", ["gamma": .double(1)], "gamma"),
            ("slim", ["l1": .double(-0.5)], "l1"), ("slim", ["candidates": .int(0)], "candidates"), ("slim", ["l2": .string("x")], "l2"),
            ("svdpp", ["factors": .int(0)], "factors"), ("svdpp", ["learning_rate": .double(0)], "learning_rate"),
            ("svdpp", ["epochs": .double(1.5)], "epochs"),
        ]
        for (type, params, key) in bad {
            XCTAssertThrowsError(try StrategyRegistry.make(type: type, parameters: Parameters(params)), "\(type) \(params)") {
                XCTAssertEqual(($0 as? RecLabError)?.key, key, "\(type) \(params): \($0)")
            }
        }
        XCTAssertThrowsError(try StrategyTestData.fitted("slim", ["max_items": .int(3)])) {
            XCTAssertEqual(($0 as? RecLabError)?.key, "max_items")
        }
    }
}

extension StrongerBaselinesTests {
    /// Fold-in (strong generalisation): fitted without user 1, rp3beta and slim score user 1 from the fold-in
    /// history alone, as x_uᵀ W with the weights learned without them; the model itself does not change.
    func testFoldInScoresHeldOutUserWithFittedWeights() throws {
        let x = randomBinaryForFoldIn()
        var withoutFirst = x
        withoutFirst[0] = [Double](repeating: 0, count: x[0].count)
        for type in ["rp3beta", "slim"] {
            let model = try StrategyRegistry.make(type: type, parameters: Parameters(["l1": .double(0.5)].filter { _ in type == "slim" }))
            try model.fit(foldInTrainingSet(withoutFirst), context: FitContext(seed: 1))
            let before = StrategyTestData.scores(model, user: 0, items: 12)
            let foldIn = try XCTUnwrap(model as? any FoldInRecommender)
            try foldIn.foldIn(foldInTrainingSet(x))
            let after = StrategyTestData.scores(model, user: 0, items: 12)
            XCTAssertNotEqual(before, after, "\(type): the fold-in history changes the held-out user's scores")
            func w(_ i: Int, _ j: Int) -> Double {
                Double((model as? RP3BetaRecommender)?.weight(from: i, to: j) ?? (model as! SLIMRecommender).weight(from: i, to: j))
            }
            for j in 0..<12 {
                let expected = (0..<12).reduce(0.0) { $0 + x[0][$1] * w($1, j) }
                if expected > 0 { XCTAssertEqual(Double(after[j]), expected, accuracy: 1e-5, "\(type) item \(j)") }
            }
        }
    }

    private func randomBinaryForFoldIn() -> [[Double]] {
        var rng = SeededRandom(seed: 11)
        return (0..<40).map { _ in (0..<12).map { _ in rng.nextDouble() < 0.3 ? 1 : 0 } }
    }

    private func foldInTrainingSet(_ x: [[Double]]) -> TrainingSet {
        var rows: [(Int, Int, Float, Int64)] = []
        for (u, row) in x.enumerated() { for (i, v) in row.enumerated() where v != 0 { rows.append((u + 1, i + 1, Float(v), 0)) } }
        return TrainingSet(dataset: Dataset(content: TestSupport.tinyContent(users: x.count, movies: x[0].count, ratings: rows)),
                           feedback: .explicit)
    }
}

extension StrongerBaselinesTests {
    /// The columns (slim) and item rows (rp3beta) are computed in parallel; the weights must not depend on the
    /// run's thread count (each row is sequential code writing only its own slot).
    func testWeightsIndependentOfThreadCount() throws {
        var rng = SeededRandom(seed: 3)
        let x = (0..<80).map { _ in (0..<150).map { _ in rng.nextDouble() < 0.08 ? 1.0 : 0 } }
        var rows: [(Int, Int, Float, Int64)] = []
        for (u, row) in x.enumerated() { for (i, v) in row.enumerated() where v != 0 { rows.append((u + 1, i + 1, Float(v), 0)) } }
        let train = TrainingSet(dataset: Dataset(content: TestSupport.tinyContent(users: 80, movies: 150, ratings: rows)), feedback: .explicit)
        for type in ["rp3beta", "slim"] {
            var results: [[Float]] = []
            for threads in [1, 4] {
                let model = try StrategyRegistry.make(type: type, parameters: Parameters([:]))
                try Parallel.$scopedThreads.withValue(threads) { try model.fit(train, context: FitContext(seed: 1)) }
                var all: [Float] = []
                for u in 0..<80 { all += StrategyTestData.scores(model, user: u, items: 150) }
                results.append(all)
            }
            XCTAssertEqual(results[0], results[1], "\(type): 1 and 4 threads give the same model")
        }
    }
}
