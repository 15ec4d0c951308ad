import Foundation
import CBLAS
import RecLabCore

/// Settings of `implicit-als`.
public struct ImplicitALSConfig: DeclaredParameters {
    public var factors: Int
    public var iterations: Int
    public var regularization: Double
    public var alpha: Double
    public var confidence: String
    public var epsilon: Double
    public var cgSteps: Int
    public var solver: String
    public var initStd: Double

    public static let parameterDeclarations: [ParameterDeclaration<Self>] = [
        .int("factors", \.factors, default: 64, range: 1...4096, help: "latent dimensions"),
        .int("iterations", \.iterations, default: 15, range: 1...10_000, help: "alternations (each solves all users, then all items)"),
        .double("regularization", \.regularization, default: 40, range: 0...1e6, help: "lambda, the L2 penalty on every factor vector (it grows with the data: tune it per dataset)"),
        .double("alpha", \.alpha, default: 2.0, range: 0...1e6, help: "confidence slope: c = 1 + alpha * f(r)"),
        .choice("confidence", \.confidence, default: "log", allowed: ["binary", "linear", "log"], help: "f(r): binary (1), linear (r: rating or count) or log (log(1 + r / epsilon))"),
        .double("epsilon", \.epsilon, default: 1.0, range: 1e-9...1e9, help: "scale of the log confidence"),
        .int("cg_steps", \.cgSteps, default: 3, range: 1...1000, help: "conjugate-gradient steps per factor update (solver: cg)"),
        .choice("solver", \.solver, default: "cg", allowed: ["cg", "cholesky"], help: "cg (warm-started conjugate gradient) or cholesky (exact solve)"),
        .double("init_std", \.initStd, default: 0.01, range: 0...10, help: "standard deviation of the Gaussian factor initialisation"),
    ]

    public init(reading v: DeclaredValues<Self>) {
        factors = v[\.factors]
        iterations = v[\.iterations]
        regularization = v[\.regularization]
        alpha = v[\.alpha]
        confidence = v[\.confidence]
        epsilon = v[\.epsilon]
        cgSteps = v[\.cgSteps]
        solver = v[\.solver]
        initStd = v[\.initStd]
    }
}

/// Implicit-feedback ALS (Hu, Koren and Volinsky 2008, "Collaborative Filtering for Implicit Feedback
/// Datasets", ICDM): every user-item pair has preference `p_ui = 1` if observed, else 0, with confidence
/// `c_ui = 1 + alpha * f(r_ui)` for observed pairs and 1 otherwise; minimises
/// `sum_ui c_ui (p_ui - x_u . y_i)^2 + lambda (sum |x_u|^2 + sum |y_i|^2)` by alternating exact
/// minimisation. The per-user system `(Y^T Y + Y^T (C_u - I) Y + lambda I) x_u = Y^T C_u p_u` uses the
/// paper's trick: `Y^T Y` is computed once per half-step, the correction only over the user's items.
///
/// The system is solved approximately with a few conjugate-gradient steps warm-started from the previous
/// factors (Takács, Pilászy and Tikk 2011, "Applications of the conjugate gradient method for implicit
/// feedback collaborative filtering", RecSys), each step costing O(k^2 + n_u k) instead of the O(k^3 + n_u k^2)
/// of a direct solve (`solver: cholesky` gives the exact solve). Users, then items, are solved in parallel;
/// each solve is independent sequential code, so results do not depend on the thread count.
///
/// Cost per iteration is O(nnz · k · (cg_steps + 1) + rows · k² · cg_steps), linear in the interactions. The
/// constant is memory, not arithmetic: each CG product reads the row's fixed-side vectors, and on large data the
/// fixed side (for example 200k users × 64 floats = 51 MB in the item half-step) is far larger than the cache,
/// so reading them from the factor matrix on every step paid a cache miss per vector per step and made the fit
/// grow faster than the data. Each row's vectors are therefore copied once into a contiguous buffer (at most the
/// longest row × k floats per worker) and the steps stream through it; the arithmetic and its order are
/// unchanged, so the factors are bit-identical to reading them in place.
///
/// `f` is chosen by `confidence`: `binary` (f = 1, every interaction counts the same), `linear`
/// (f = r, the rating or interaction count), `log` (f = log(1 + r / epsilon), the paper's eq. 6).
/// Ranking only: scores are `x_u . y_i`; users without training data get zeros.
///
/// Defaults (64 factors, 15 iterations, log confidence with alpha 2, lambda 40, 3 CG steps) come from a
/// grid on ml-latest-small's per-user temporal split (ndcg@10 0.099 against most-popular's 0.074; the
/// neighbouring grid points alpha 1-4, lambda 20-50 all gave 0.088-0.099). Larger alpha over-trusts the
/// observed pairs; much smaller lambda over-fits (lambda 0.1 gave 0.082).
// @unchecked Sendable: the fitted state is written only by `fit`, before the strategy is shared; `score` and
// `predict` only read it (the Recommender contract), so concurrent scoring needs no lock.
public final class ImplicitALSRecommender: IterativeRecommender, FoldInRecommender, @unchecked Sendable {
    public static let iterationParameter = "iterations"
    public static let typeName = "implicit-als"
    public static let summary = "implicit-feedback ALS with confidence weights and a conjugate-gradient solver (Hu, Koren and Volinsky 2008; Takács et al. 2011)"

    public let config: ImplicitALSConfig
    public var factors: Int { config.factors }
    public var iterations: Int { config.iterations }
    public var regularization: Float { Float(config.regularization) }
    public var alpha: Float { Float(config.alpha) }
    public var confidence: String { config.confidence }
    public var epsilon: Float { Float(config.epsilon) }
    public var cgSteps: Int { config.cgSteps }
    public var solver: String { config.solver }
    public var initStd: Float { Float(config.initStd) }
    private(set) var model: FactorModel?

    public init(parameters: Parameters) throws {
        config = try ImplicitALSConfig(parameters, owner: Self.typeName)
    }

    /// `c - 1 = alpha * f(r)` for an observed value r.
    func confidenceExcess(_ r: Float) -> Float {
        switch confidence {
        case "binary": return alpha
        case "log": return alpha * Foundation.log(1 + max(r, 0) / epsilon)
        default: return alpha * max(r, 0)
        }
    }

    public func fit(_ train: TrainingSet, context: FitContext) throws {
        try FactorParameters.requireData(train, strategy: Self.typeName)
        var model = try FactorModel.checked(factors: factors, userCount: train.userCount, itemCount: train.itemCount)
        var rng = SeededRandom(seed: context.seed, stream: "implicit-als")
        model.randomise(std: initStd, rng: &rng)
        // Confidence excess (c - 1) per stored entry, in both orientations.
        let byUser = train.byUser.mapValues(confidenceExcess)
        let byItem = train.byItem.mapValues(confidenceExcess)
        let progress = context.showProgress ? ProgressReporter("implicit-als iterations", total: iterations) : nil
        for iteration in 1...iterations {
            halfStep(byUser, fixed: model.itemFactors, solved: &model.userFactors)
            halfStep(byItem, fixed: model.userFactors, solved: &model.itemFactors)
            progress?.advance()
            if let hook = context.afterIteration {
                var snapshot = model
                snapshot.clearUnseen(train)
                self.model = snapshot
                if !hook(iteration) { break }
            }
        }
        progress?.finish()
        model.clearUnseen(train)
        self.model = model
    }

    /// Fold-in: users without training data but with a history get the factors of one user half-step against
    /// the fitted item factors (the least-squares user update of the paper); fitted users keep theirs.
    public func foldIn(_ history: TrainingSet) throws {
        guard var model else { preconditionFailure("implicit-als: fold-in before fit") }
        var solved = model.userFactors
        let confidences = history.byUser.mapValues(confidenceExcess)
        // With the conjugate-gradient solver, a few warm-started rounds bring the cold start (zeros) to the solve.
        for _ in 0..<(solver == "cholesky" ? 1 : 3) {
            halfStep(confidences, fixed: model.itemFactors, solved: &solved)
        }
        let k = factors
        for u in 0..<model.userCount where !model.userSeen[u] && history.byUser.count(ofRow: u) > 0 {
            for f in 0..<k { model.userFactors[u * k + f] = solved[u * k + f] }
        }
        self.model = model
    }

    /// Updates the factors of every row entity of `m` (values: c - 1) against the fixed other side.
    func halfStep(_ m: SparseMatrix, fixed: [Float], solved: inout [Float]) {
        let k = factors
        let otherCount = fixed.count / k
        var yty = [Float](repeating: 0, count: k * k)
        fixed.withUnsafeBufferPointer { y in
            yty.withUnsafeMutableBufferPointer { DenseLinearAlgebra.gram(y.baseAddress!, rows: otherCount, n: k, into: $0.baseAddress!) }
        }
        let lambda = regularization, steps = cgSteps, exact = solver == "cholesky"
        var maxRow = 0
        for r in 0..<m.rowCount { maxRow = max(maxRow, m.count(ofRow: r)) }
        fixed.withUnsafeBufferPointer { fixedBuf in
        yty.withUnsafeBufferPointer { ytyBuf in
        solved.withUnsafeMutableBufferPointer { out in
        m.columns.withUnsafeBufferPointer { cols in
        m.values.withUnsafeBufferPointer { vals in
            let Y = fixedBuf.baseAddress!, YtY = ytyBuf.baseAddress!, X = out.baseAddress!
            Parallel.forEachChunk(m.rowCount, minChunk: 32) { range in
                let b = UnsafeMutablePointer<Float>.allocate(capacity: k)
                let work = UnsafeMutablePointer<Float>.allocate(capacity: 3 * k)
                let a = UnsafeMutablePointer<Float>.allocate(capacity: k * k)
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: k * k)
                // The row's fixed-side vectors, gathered once: the CG products then stream through contiguous
                // memory instead of fetching each vector from the whole factor matrix on every step (see above).
                let z = UnsafeMutablePointer<Float>.allocate(capacity: max(1, maxRow * k))
                defer { b.deallocate(); work.deallocate(); a.deallocate(); scratch.deallocate(); z.deallocate() }
                for e in range {
                    let lo = m.rowStart[e], n = m.rowStart[e + 1] - lo
                    let x = X + e * k
                    guard n > 0 else { x.update(repeating: 0, count: k); continue }
                    // b = Y^T C_u p_u = sum over observed items of c * y.
                    b.update(repeating: 0, count: k)
                    for j in lo..<(lo + n) {
                        DenseLinearAlgebra.axpy(1 + vals[j], Y + Int(cols[j]) * k, b, k)
                    }
                    if exact {
                        // A = Y^T Y + lambda I + sum (c - 1) y y^T, via the Gram of sqrt(c - 1) y.
                        for j in 0..<n {
                            let w = vals[lo + j].squareRoot(), src = Y + Int(cols[lo + j]) * k, row = z + j * k
                            for f in 0..<k { row[f] = w * src[f] }
                        }
                        DenseLinearAlgebra.gramLower(z, rows: n, n: k, into: a)
                        for f in 0..<(k * k) { a[f] += YtY[f] }
                        for f in 0..<k { a[f * k + f] += lambda }
                        if DenseLinearAlgebra.solveSPD(a, b, k, scratch: scratch) {
                            x.update(from: b, count: k)
                        }
                    } else {
                        for j in 0..<n { (z + j * k).update(from: Y + Int(cols[lo + j]) * k, count: k) }
                        DenseLinearAlgebra.conjugateGradient(steps: steps, n: k, b: UnsafePointer(b), x: x, work: work) { v, out in
                            // out = (Y^T Y + lambda I) v + sum (c - 1) (y . v) y
                            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(k), Int32(k), 1, YtY, Int32(k), v, 1, 0, out, 1)
                            for f in 0..<k { out[f] += lambda * v[f] }
                            for j in 0..<n {
                                let y = UnsafePointer(z + j * k)
                                let s = vals[lo + j] * DenseLinearAlgebra.dot(y, v, k)
                                DenseLinearAlgebra.axpy(s, y, out, k)
                            }
                        }
                    }
                }
            }
        }}}}}
    }

    public func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        guard let model else { preconditionFailure("implicit-als: score before fit") }
        model.score(user: user, into: scores)
    }

    public func scoreBlock(users: UnsafeBufferPointer<Int32>, into scores: UnsafeMutableBufferPointer<Float>) {
        guard let model else { preconditionFailure("implicit-als: score before fit") }
        model.scoreBlock(users: users, into: scores)
    }
}
