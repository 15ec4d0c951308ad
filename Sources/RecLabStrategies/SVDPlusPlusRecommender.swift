import RecLabCore

/// Settings of `svdpp`.
public struct SVDPlusPlusConfig: DeclaredParameters {
    public var factors: Int
    public var epochs: Int
    public var learningRate: Double
    public var regularization: Double
    public var initStd: Double

    // Defaults are Surprise's SVDpp (n_factors 20, n_epochs 20, lr_all 0.007, reg_all 0.02, init_std_dev 0.1).
    public static let parameterDeclarations: [ParameterDeclaration<Self>] = [
        .int("factors", \.factors, default: 20, range: 1...4096, help: "latent dimensions"),
        .int("epochs", \.epochs, default: 20, range: 1...100_000, help: "passes over the training ratings"),
        .double("learning_rate", \.learningRate, default: 0.007, range: 1e-9...10, help: "SGD step size of every parameter (Surprise's lr_all)"),
        .double("regularization", \.regularization, default: 0.02, range: 0...1000, help: "L2 penalty of every parameter (Surprise's reg_all)"),
        .double("init_std", \.initStd, default: 0.1, range: 0...10, help: "standard deviation of the Gaussian initialisation of p, q and y"),
    ]

    public init(reading v: DeclaredValues<Self>) {
        factors = v[\.factors]; epochs = v[\.epochs]; learningRate = v[\.learningRate]
        regularization = v[\.regularization]; initStd = v[\.initStd]
    }
}

/// SVD++ (Koren, "Factorization Meets the Neighborhood: a Multifaceted Collaborative Filtering Model",
/// KDD 2008, §4 eq. 15): rating prediction with an implicit-feedback term,
///
///     r̂_ui = μ + b_u + b_i + q_iᵀ (p_u + |N(u)|^(−½) Σ_{j ∈ N(u)} y_j),
///
/// where N(u) is the set of items u rated in training (the implicit feedback: which items, not how), trained
/// by stochastic gradient descent on the squared error with one L2 penalty λ on every parameter (eq. 16):
/// b_u += γ(e − λb_u), b_i += γ(e − λb_i), p_u += γ(e q_i − λp_u), q_i += γ(e (p_u + z_u) − λq_i) and
/// y_j += γ(e |N(u)|^(−½) q_i − λy_j) for j ∈ N(u), with z_u the implicit sum and e the error.
/// Defaults are those of Surprise's `SVDpp` (20 factors, 20 epochs, γ = 0.007, λ = 0.02, N(0, 0.1²) factors,
/// zero biases; μ is the training mean and is not learned).
///
/// Schedule: each epoch visits the users in a seeded random order and each user's ratings in a seeded random
/// order. Koren's and Surprise's per-rating update of every y_j costs O(|N(u)| · factors) per rating, which
/// is quadratic in a user's history; here z_u is computed once per user visit and the y_j gradients of that
/// visit are summed and applied once at its end (the user-wise schedule common in SVD++ implementations,
/// O(ratings · factors) per epoch). Sequential and deterministic for a seed. Predictions are clipped to the
/// training rating range; a user without training ratings gets μ + b_i, an unseen item μ + b_u.
// @unchecked Sendable: the fitted state is written only by `fit`, before the strategy is shared; `score` and
// `predict` only read it (the Recommender contract), so concurrent scoring needs no lock.
public final class SVDPlusPlusRecommender: IterativeRecommender, @unchecked Sendable {
    public static let iterationParameter = "epochs"
    public static let typeName = "svdpp"
    public static let summary = "SVD++ rating prediction with an implicit-feedback term, SGD (Koren 2008)"

    public let config: SVDPlusPlusConfig
    /// The fitted model with each user's factors replaced by p_u + |N(u)|^(−½) Σ y_j, so scoring and
    /// prediction are the plain biased factor model's.
    private(set) var model: FactorModel?
    /// Training RMSE after each epoch (unclipped model), for diagnostics and tests.
    public private(set) var trainingLoss: [Double] = []

    public init(parameters: Parameters) throws {
        config = try SVDPlusPlusConfig(parameters, owner: Self.typeName)
    }

    public var predictsRatings: Bool { true }

    public func fit(_ train: TrainingSet, context: FitContext) throws {
        try FactorParameters.requireData(train, strategy: Self.typeName)
        let m = train.byUser, k = config.factors
        var model = try FactorModel.checked(factors: k, userCount: train.userCount, itemCount: train.itemCount)
        var rng = SeededRandom(seed: context.seed, stream: "svdpp")
        let std = Float(config.initStd)
        model.randomise(std: std, rng: &rng)
        var y = (0..<(train.itemCount * k)).map { _ in Float(rng.nextGaussian()) * std }
        model.globalMean = train.globalMean
        model.ratingRange = valueRange(m)
        let mu = model.globalMean, lr = Float(config.learningRate), reg = Float(config.regularization)
        var userOrder = Array(0..<m.rowCount)
        var entries = [Int]()
        var z = [Float](repeating: 0, count: k), yGradient = [Float](repeating: 0, count: k)
        var losses = [Double]()
        let progress = context.showProgress ? ProgressReporter("svdpp epochs", total: config.epochs) : nil
        for epoch in 0..<config.epochs {
            rng.shuffle(&userOrder)
            var squaredError = 0.0
            for u in userOrder {
                let r = m.range(ofRow: u)
                guard !r.isEmpty else { continue }
                let norm = 1 / Float(r.count).squareRoot()
                for f in 0..<k { z[f] = 0; yGradient[f] = 0 }
                for n in r {
                    let j = Int(m.columns[n])
                    for f in 0..<k { z[f] += y[j * k + f] }
                }
                for f in 0..<k { z[f] *= norm }
                entries.removeAll(keepingCapacity: true)
                entries.append(contentsOf: r)
                rng.shuffle(&entries)
                for n in entries {
                    let i = Int(m.columns[n])
                    var dot: Float = 0
                    for f in 0..<k { dot += model.itemFactors[i * k + f] * (model.userFactors[u * k + f] + z[f]) }
                    let e = m.values[n] - (mu + model.userBias[u] + model.itemBias[i] + dot)
                    squaredError += Double(e * e)
                    model.userBias[u] += lr * (e - reg * model.userBias[u])
                    model.itemBias[i] += lr * (e - reg * model.itemBias[i])
                    for f in 0..<k {
                        let p = model.userFactors[u * k + f], q = model.itemFactors[i * k + f]
                        model.userFactors[u * k + f] = p + lr * (e * q - reg * p)
                        model.itemFactors[i * k + f] = q + lr * (e * (p + z[f]) - reg * q)
                        yGradient[f] += e * q
                    }
                }
                // The visit's y_j updates, summed: each of the visit's ratings pushed every y_j by
                // γ(e |N(u)|^(−½) q_i − λ y_j).
                let shrink = lr * reg * Float(r.count)
                for n in r {
                    let j = Int(m.columns[n])
                    for f in 0..<k { y[j * k + f] += lr * norm * yGradient[f] - shrink * y[j * k + f] }
                }
            }
            losses.append((squaredError / Double(max(1, m.nonZeroCount))).squareRoot())
            progress?.advance()
            if let hook = context.afterIteration {
                // Early stopping scores the model of this epoch: a folded copy, while training goes on with p and y.
                self.model = Self.folded(model, implicit: y, train: train)
                trainingLoss = losses
                if !hook(epoch + 1) { break }
            }
        }
        progress?.finish()
        trainingLoss = losses
        self.model = Self.folded(model, implicit: y, train: train)
    }

    /// The scoring model: each user's factors p_u + |N(u)|^(−½) Σ_{j ∈ N(u)} y_j, unseen rows cleared.
    static func folded(_ trained: FactorModel, implicit y: [Float], train: TrainingSet) -> FactorModel {
        var model = trained
        let m = train.byUser, k = model.factors
        for u in 0..<m.rowCount {
            let r = m.range(ofRow: u)
            guard !r.isEmpty else { continue }
            let norm = 1 / Float(r.count).squareRoot()
            for n in r {
                let j = Int(m.columns[n])
                for f in 0..<k { model.userFactors[u * k + f] += norm * y[j * k + f] }
            }
        }
        model.clearUnseen(train)
        return model
    }

    public func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        guard let model else { preconditionFailure("svdpp: score before fit") }
        model.score(user: user, into: scores)
    }

    public func predict(user: Int, item: Int) -> Float? { model?.predict(user: user, item: item) }
}
