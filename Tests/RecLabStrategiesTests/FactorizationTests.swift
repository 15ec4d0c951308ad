import CBLAS
import Foundation
import RecLabCore
@testable import RecLabStrategies
import RecLabTestSupport
import XCTest

/// Tests of the factorisation strategies (biased-mf, als, implicit-als, bpr) and their dense kernels,
/// on tiny hand-made data.
final class FactorizationTests: XCTestCase {
    // MARK: data

    /// A planted rank-2 rating matrix `3 + u . v` (values kept inside 1...5) over `users x items`, with
    /// every cell observed; `holdout` marks about a quarter of the cells (chosen by a seeded generator)
    /// as test cells that the training view leaves out.
    struct Planted {
        let dataset: Dataset
        let trainRows: [Int32]
        let testRows: [Int32]
    }

    static func planted(users: Int = 60, items: Int = 30, seed: UInt64 = 7) -> Planted {
        var rng = SeededRandom(seed: seed)
        let uf = (0..<users).map { _ in [Float(rng.nextDouble() * 2 - 1), Float(rng.nextDouble() * 2 - 1)] }
        let vf = (0..<items).map { _ in [Float(rng.nextDouble() * 2 - 1), Float(rng.nextDouble() * 2 - 1)] }
        var rows: [(Int, Int, Float, Int64)] = []
        for u in 0..<users {
            for i in 0..<items {
                let r = 3 + uf[u][0] * vf[i][0] + uf[u][1] * vf[i][1]
                rows.append((u + 1, i + 1, r, Int64(i)))
            }
        }
        let data = Dataset(content: TestSupport.tinyContent(users: users, movies: items, ratings: rows))
        var train = [Int32](), test = [Int32]()
        for r in 0..<data.interactionCount {
            if rng.nextDouble() < 0.25 { test.append(Int32(r)) } else { train.append(Int32(r)) }
        }
        return Planted(dataset: data, trainRows: train, testRows: test)
    }

    /// Two user communities: users 1...n/2 interact with items 1...10, the others with items 11...20.
    /// Each user skips two of their block's items (a different pair for every fifth user, so every item
    /// is seen by 80% of its block) and watches the rest in a seeded order, rating 5.
    static func blocks(users: Int = 40) -> Dataset {
        var rng = SeededRandom(seed: 3)
        var rows: [(Int, Int, Float, Int64)] = []
        for u in 1...users {
            let base = u <= users / 2 ? 0 : 10
            let skipped = [(u % 5) * 2 + 1, (u % 5) * 2 + 2]
            var items = (1...10).filter { !skipped.contains($0) }
            rng.shuffle(&items)
            for (t, i) in items.enumerated() { rows.append((u, base + i, 5, Int64(t))) }
        }
        return Dataset(content: TestSupport.tinyContent(users: users, movies: 20, ratings: rows))
    }

    func make(_ type: String, _ params: [String: ParamValue] = [:]) throws -> any Recommender {
        try StrategyRegistry.make(type: type, parameters: Parameters(params))
    }

    func rmse(_ model: any Recommender, _ data: Dataset, _ rows: [Int32]) -> Double {
        var se = 0.0
        for r in rows {
            let p = model.predict(user: Int(data.users[Int(r)]), item: Int(data.items[Int(r)]))!
            let e = Double(p - data.ratings[Int(r)])
            se += e * e
        }
        return (se / Double(rows.count)).squareRoot()
    }

    func scores(_ model: any Recommender, user: Int, items: Int) -> [Float] {
        var s = [Float](repeating: .nan, count: items)
        s.withUnsafeMutableBufferPointer { model.score(user: user, into: $0) }
        return s
    }

    // MARK: dense kernels

    /// Oracle: numpy.linalg.solve([[4,1,0],[1,3,1],[0,1,2]], [1,2,3]) = [2/9, 1/9, 13/9].
    func testCholeskyAndConjugateGradientMatchDirectSolve() {
        let a: [Float] = [4, 1, 0, 1, 3, 1, 0, 1, 2]
        let expected: [Float] = [2.0 / 9, 1.0 / 9, 13.0 / 9]
        var m = a, b: [Float] = [1, 2, 3], scratch = [Float](repeating: 0, count: 9)
        XCTAssertTrue(DenseLinearAlgebra.solveSPD(&m, &b, 3, scratch: &scratch))
        for f in 0..<3 { XCTAssertEqual(b[f], expected[f], accuracy: 1e-5) }

        // CG on a 3x3 SPD system converges in at most 3 steps (exact arithmetic), from any start.
        var x: [Float] = [5, -5, 5], work = [Float](repeating: 0, count: 9)
        let rhs: [Float] = [1, 2, 3]
        DenseLinearAlgebra.conjugateGradient(steps: 3, n: 3, b: rhs, x: &x, work: &work) { v, out in
            for i in 0..<3 { out[i] = a[i * 3] * v[0] + a[i * 3 + 1] * v[1] + a[i * 3 + 2] * v[2] }
        }
        for f in 0..<3 { XCTAssertEqual(x[f], expected[f], accuracy: 1e-4) }

        // A singular matrix is rejected by the plain factorisation.
        var singular: [Float] = [1, 1, 1, 1]
        XCTAssertFalse(DenseLinearAlgebra.choleskyFactor(&singular, 2))
    }

    /// Both ALS solve paths (d x d normal equations for rows with many ratings, the n x n push-through
    /// form for rows with fewer ratings than dimensions) satisfy the regularised normal equations.
    func testALSHalfStepSolvesNormalEquations() {
        let k = 4
        // Row 0 has 2 ratings (< k + 1: push-through path), row 1 has 6 (normal-equation path).
        let m = SparseMatrix(rowCount: 2, columnCount: 6,
                             rows: [0, 0, 1, 1, 1, 1, 1, 1], cols: [1, 4, 0, 1, 2, 3, 4, 5],
                             vals: [4, 2, 5, 3, 1, 4, 2, 5])
        var rng = SeededRandom(seed: 11)
        let fixed = (0..<(6 * k)).map { _ in Float(rng.nextGaussian()) }
        let fixedBias = (0..<6).map { _ in Float(rng.nextGaussian()) * 0.3 }
        let lambda: Float = 0.1, mean: Float = 3.2
        for biases in [false, true] {
            var solved = [Float](repeating: 0, count: 2 * k), solvedBias = [Float](repeating: 0, count: 2)
            ALSRecommender.halfStep(m, fixed: fixed, fixedBias: fixedBias, factors: k, biases: biases,
                                    mean: mean, lambda: lambda, solved: &solved, solvedBias: &solvedBias)
            let d = biases ? k + 1 : k
            for e in 0..<2 {
                let r = m.range(ofRow: e)
                let x = (0..<d).map { f in f < k ? solved[e * k + f] : solvedBias[e] }
                // Residual of (Z^T Z + lambda n I) x - Z^T t, computed in Double.
                var residual = [Double](repeating: 0, count: d)
                for f in 0..<d { residual[f] = Double(lambda) * Double(r.count) * Double(x[f]) }
                for j in r {
                    let o = Int(m.columns[j])
                    let z = (0..<d).map { f in f < k ? Double(fixed[o * k + f]) : 1.0 }
                    let t = Double(m.values[j]) - (biases ? Double(mean + fixedBias[o]) : 0)
                    let zx = (0..<d).reduce(0.0) { $0 + z[$1] * Double(x[$1]) }
                    for f in 0..<d { residual[f] += z[f] * (zx - t) }
                }
                for f in 0..<d { XCTAssertEqual(residual[f], 0, accuracy: 1e-3, "row \(e), biases \(biases), dim \(f)") }
            }
        }
    }

    // MARK: rating predictors

    func testRatingPredictorsRecoverPlantedLowRankMatrix() throws {
        let p = Self.planted()
        let train = TrainingSet(dataset: p.dataset, rows: p.trainRows, feedback: .explicit)
        // The baseline: predicting the training mean everywhere.
        let meanRMSE = (p.testRows.reduce(0.0) { s, r in
            let e = Double(p.dataset.ratings[Int(r)] - train.globalMean); return s + e * e
        } / Double(p.testRows.count)).squareRoot()
        XCTAssertGreaterThan(meanRMSE, 0.25)
        let configs: [(String, [String: ParamValue])] = [
            ("biased-mf", ["factors": .int(4), "epochs": .int(200), "learning_rate": .double(0.02),
                           "reg_factors": .double(0.01), "learning_rate_decay": .double(1)]),
            ("als", ["factors": .int(4), "iterations": .int(20), "regularization": .double(0.01)]),
            ("als", ["factors": .int(4), "iterations": .int(20), "regularization": .double(0.01), "biases": .bool(false)]),
        ]
        for (type, params) in configs {
            let model = try make(type, params)
            XCTAssertTrue(model.predictsRatings)
            try model.fit(train, context: FitContext(seed: 1))
            let heldOut = rmse(model, p.dataset, p.testRows)
            XCTAssertLessThan(heldOut, 0.1, "\(type) \(params): held-out RMSE \(heldOut) (mean baseline \(meanRMSE))")
        }
    }

    func testTrainingLossDecreasesWithMoreTraining() throws {
        let p = Self.planted()
        let train = TrainingSet(dataset: p.dataset, rows: p.trainRows, feedback: .explicit)
        func trainingRMSE(_ type: String, _ params: [String: ParamValue]) throws -> Double {
            let model = try make(type, params)
            try model.fit(train, context: FitContext(seed: 5))
            switch model {
            case let m as BiasedMFRecommender: return m.model!.trainingRMSE(train.byUser)
            case let m as ALSRecommender: return m.model!.trainingRMSE(train.byUser)
            default: XCTFail("unexpected type"); return 0
            }
        }
        var previous = Double.infinity
        for epochs in [1, 5, 25] {
            let loss = try trainingRMSE("biased-mf", ["factors": .int(4), "epochs": .int(epochs), "learning_rate": .double(0.02)])
            XCTAssertLessThan(loss, previous, "biased-mf training RMSE after \(epochs) epochs")
            previous = loss
        }
        previous = .infinity
        for iterations in [1, 3, 10] {
            let loss = try trainingRMSE("als", ["factors": .int(4), "iterations": .int(iterations), "regularization": .double(0.05)])
            XCTAssertLessThanOrEqual(loss, previous, "als training RMSE after \(iterations) iterations")
            previous = loss
        }
    }

    func testColdUsersAndItemsFallBackWithoutCrashing() throws {
        // User 3 and item 4 have no training data.
        let data = Dataset(content: TestSupport.tinyContent(users: 3, movies: 4, ratings: [
            (1, 1, 5, 1), (1, 2, 3, 2), (2, 1, 4, 3), (2, 3, 1, 4), (1, 3, 2, 5), (2, 2, 4, 6),
        ]))
        let train = TrainingSet(dataset: data, feedback: .explicit)
        for type in ["biased-mf", "als", "implicit-als", "bpr"] {
            let model = try make(type, ["factors": .int(3)])
            try model.fit(train, context: FitContext(seed: 2))
            let s = scores(model, user: 2, items: 4)
            XCTAssertTrue(s.allSatisfy(\.isFinite), "\(type) cold-user scores \(s)")
            if model.predictsRatings {
                let p = try XCTUnwrap(model.predict(user: 2, item: 3))
                XCTAssertTrue((1...5).contains(p), "\(type) cold prediction \(p) outside the rating range")
            }
        }
        // Plain ALS predicts the training mean for an unseen item.
        let plain = try make("als", ["factors": .int(2), "biases": .bool(false)])
        try plain.fit(train, context: FitContext(seed: 2))
        XCTAssertEqual(try XCTUnwrap(plain.predict(user: 0, item: 3)), train.globalMean, accuracy: 1e-6)
    }

    // MARK: ranking strategies

    func testRankingStrategiesPreferTheUsersCommunity() throws {
        let data = Self.blocks()
        let train = TrainingSet(dataset: data, feedback: .implicit)
        let configs: [(String, [String: ParamValue])] = [
            ("implicit-als", ["factors": .int(4), "iterations": .int(10)]),
            ("implicit-als", ["factors": .int(4), "iterations": .int(10), "solver": .string("cholesky")]),
            ("implicit-als", ["factors": .int(4), "iterations": .int(10), "confidence": .string("log")]),
            ("bpr", ["factors": .int(4), "epochs": .int(100)]),
        ]
        for (type, params) in configs {
            let model = try make(type, params)
            try model.fit(train, context: FitContext(seed: 9))
            for u in 0..<data.userCount {
                let s = scores(model, user: u, items: 20)
                let own = u < data.userCount / 2 ? 0..<10 : 10..<20
                let other = u < data.userCount / 2 ? 10..<20 : 0..<10
                // Every item of the user's block, observed or held back, outranks every item of the other block.
                let worstOwn = own.map { s[$0] }.min()!, bestOther = other.map { s[$0] }.max()!
                XCTAssertGreaterThan(worstOwn, bestOther, "\(type) \(params) user \(u)")
            }
        }
    }

    func testImplicitALSConjugateGradientApproachesExactSolve() throws {
        let data = Self.blocks()
        let train = TrainingSet(dataset: data, feedback: .implicit)
        let base: [String: ParamValue] = ["factors": .int(3), "iterations": .int(1), "init_std": .double(0.5)]
        var exactParams = base; exactParams["solver"] = .string("cholesky")
        var cgParams = base; cgParams["cg_steps"] = .int(3)
        var oneStepParams = base; oneStepParams["cg_steps"] = .int(1)
        let exact = try make("implicit-als", exactParams) as! ImplicitALSRecommender
        let cg = try make("implicit-als", cgParams) as! ImplicitALSRecommender
        let oneStep = try make("implicit-als", oneStepParams) as! ImplicitALSRecommender
        for m in [exact, cg, oneStep] { try m.fit(train, context: FitContext(seed: 4)) }
        // With k = 3, three CG steps solve each k x k system exactly (up to rounding); one step does not.
        func maxDiff(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max()! }
        XCTAssertLessThan(maxDiff(exact.model!.userFactors, cg.model!.userFactors), 1e-3)
        XCTAssertLessThan(maxDiff(exact.model!.itemFactors, cg.model!.itemFactors), 1e-3)
        XCTAssertGreaterThan(maxDiff(exact.model!.itemFactors, oneStep.model!.itemFactors), 1e-3)
    }

    /// The CG half-step reads each row's fixed-side vectors from a gathered copy; the result must be the same
    /// bits as the textbook loop reading them in place (same operations, same order).
    func testImplicitALSGatheredHalfStepEqualsInPlaceReference() throws {
        let p = Self.planted(users: 120, items: 35)
        let train = TrainingSet(dataset: p.dataset, rows: p.trainRows, feedback: .implicit)
        let rec = try make("implicit-als", ["factors": .int(5), "cg_steps": .int(3), "regularization": .double(2)]) as! ImplicitALSRecommender
        let k = 5
        var rng = SeededRandom(seed: 99)
        let fixed = (0..<(train.itemCount * k)).map { _ in Float(rng.nextGaussian()) * 0.3 }
        let start = (0..<(train.userCount * k)).map { _ in Float(rng.nextGaussian()) * 0.3 }
        let m = train.byUser.mapValues(rec.confidenceExcess)
        var solved = start
        rec.halfStep(m, fixed: fixed, solved: &solved)

        // Reference: Y^T Y as the strategy computes it, then per row CG with vectors read in place.
        var yty = [Float](repeating: 0, count: k * k)
        fixed.withUnsafeBufferPointer { y in
            yty.withUnsafeMutableBufferPointer { DenseLinearAlgebra.gram(y.baseAddress!, rows: train.itemCount, n: k, into: $0.baseAddress!) }
        }
        var expected = start
        let lambda = rec.regularization
        fixed.withUnsafeBufferPointer { yb in
        yty.withUnsafeBufferPointer { gb in
        expected.withUnsafeMutableBufferPointer { xb in
            let Y = yb.baseAddress!, G = gb.baseAddress!
            let b = UnsafeMutablePointer<Float>.allocate(capacity: k), work = UnsafeMutablePointer<Float>.allocate(capacity: 3 * k)
            defer { b.deallocate(); work.deallocate() }
            for u in 0..<m.rowCount {
                let r = m.range(ofRow: u), x = xb.baseAddress! + u * k
                guard !r.isEmpty else { x.update(repeating: 0, count: k); continue }
                b.update(repeating: 0, count: k)
                for j in r { DenseLinearAlgebra.axpy(1 + m.values[j], Y + Int(m.columns[j]) * k, b, k) }
                DenseLinearAlgebra.conjugateGradient(steps: 3, n: k, b: UnsafePointer(b), x: x, work: work) { v, out in
                    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(k), Int32(k), 1, G, Int32(k), v, 1, 0, out, 1)
                    for f in 0..<k { out[f] += lambda * v[f] }
                    for j in r {
                        let y = Y + Int(m.columns[j]) * k
                        DenseLinearAlgebra.axpy(m.values[j] * DenseLinearAlgebra.dot(y, v, k), y, out, k)
                    }
                }
            }
        }}}
        XCTAssertEqual(solved.map(\.bitPattern), expected.map(\.bitPattern))
        XCTAssertNotEqual(solved, start)
    }

    // MARK: determinism

    func testSameSeedSameModelWhateverTheThreadCount() throws {
        let p = Self.planted(users: 150, items: 40)
        let train = TrainingSet(dataset: p.dataset, rows: p.trainRows, feedback: .explicit)
        for type in ["biased-mf", "als", "implicit-als", "bpr"] {
            var runs: [[Float]] = []
            for (threads, seed) in [("1", 3), ("4", 3), ("2", 4)] as [(String, UInt64)] {
                // Four strata so the SGD strategies run blocks in parallel even on this small catalogue.
                let model = try make(type, type == "bpr" || type == "biased-mf" ? ["factors": .int(5), "strata": .int(4)] : ["factors": .int(5)])
                try RunContext(threads: Int(threads)!).bound { try model.fit(train, context: FitContext(seed: seed)) }
                runs.append((0..<p.dataset.userCount).flatMap { scores(model, user: $0, items: 40) })
            }
            XCTAssertEqual(runs[0], runs[1], "\(type): same seed, different thread counts")
            XCTAssertNotEqual(runs[0], runs[2], "\(type): a different seed should give a different model")
        }
    }

    /// The stratified SGD schedule partitions the ratings: every entry is in exactly one block, the block
    /// of its user's and its item's strata; strata are balanced; an epoch visits every block once.
    func testStratifiedScheduleBlocksPartitionTheRatings() {
        let p = Self.planted(users: 50, items: 30)
        let m = TrainingSet(dataset: p.dataset, rows: p.trainRows, feedback: .explicit).byUser
        var rng = SeededRandom(seed: 8)
        let schedule = StratifiedSchedule(m, strata: 4, rng: &rng)
        var seen = [Int](repeating: 0, count: m.nonZeroCount)
        for a in 0..<4 {
            for b in 0..<4 {
                for e in schedule.blocks[a * 4 + b] {
                    seen[Int(e)] += 1
                    XCTAssertEqual(Int(schedule.userBlock[Int(schedule.rowOf[Int(e)])]), a)
                    XCTAssertEqual(Int(schedule.itemBlock[Int(m.columns[Int(e)])]), b)
                }
            }
        }
        XCTAssertEqual(seen, [Int](repeating: 1, count: m.nonZeroCount))
        // Balanced strata: block sizes differ by at most one user / item.
        for blocks in [schedule.userBlock, schedule.itemBlock] {
            let sizes = (0..<4).map { s in blocks.filter { $0 == s }.count }
            XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1)
        }
        // An epoch visits each block exactly once.
        var visits = [Int](repeating: 0, count: 16)
        let lock = NSLock()   // the blocks of a sub-epoch run concurrently
        var epochRandom = SeededRandom(seed: 1)
        schedule.runEpoch(seed: 1, epoch: 0, rng: &epochRandom) { a, b, _, _ in
            lock.lock(); visits[a * 4 + b] += 1; lock.unlock()
        }
        XCTAssertEqual(visits, [Int](repeating: 1, count: 16))
    }

    // MARK: parameters

    func testParameterErrorsNameTheKey() {
        let cases: [(String, [String: ParamValue], String)] = [
            ("biased-mf", ["factor": .int(3)], "factor"),
            ("biased-mf", ["learning_rate": .double(-1)], "learning_rate"),
            ("als", ["regularization": .string("high")], "regularization"),
            ("als", ["biases": .int(1)], "biases"),
            ("implicit-als", ["confidence": .string("cubic")], "confidence"),
            ("implicit-als", ["cg_steps": .int(0)], "cg_steps"),
            ("bpr", ["epochs": .double(1.5)], "epochs"),
            ("bpr", ["negatives": .int(3)], "negatives"),
        ]
        for (type, params, key) in cases {
            XCTAssertThrowsError(try make(type, params), "\(type) \(params)") { error in
                let e = error as? RecLabError
                XCTAssertEqual(e?.key, key, "\(type): \(error)")
                XCTAssertEqual(e?.kind, .config)
            }
        }
        // Every declared parameter is accepted with its declared default written out.
        for t in [BiasedMFRecommender.self, ALSRecommender.self, ImplicitALSRecommender.self, BPRRecommender.self] as [any Recommender.Type] {
            var values: [String: ParamValue] = [:]
            for p in t.parameterInfo { values[p.name] = p.defaultValue }
            XCTAssertNoThrow(try t.init(parameters: Parameters(values)), t.typeName)
        }
    }

    func testEmptyTrainingDataIsAClearError() throws {
        let data = Dataset(content: TestSupport.tinyContent(users: 2, movies: 2, ratings: [(1, 1, 4, 1)]))
        let empty = TrainingSet(dataset: data, rows: [], feedback: .explicit)
        for type in ["biased-mf", "als", "implicit-als", "bpr"] {
            XCTAssertThrowsError(try make(type).fit(empty, context: FitContext(seed: 1))) { error in
                XCTAssertEqual((error as? RecLabError)?.kind, .data, type)
            }
        }
    }
}
