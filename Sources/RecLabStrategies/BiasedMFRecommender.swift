import RecLabCore

/// Settings of `biased-mf`.
public struct BiasedMFConfig: DeclaredParameters {
    public var factors: Int
    public var epochs: Int
    public var learningRate: Double
    public var learningRateDecay: Double
    public var regFactors: Double
    public var regBiases: Double
    public var initStd: Double
    public var strata: Int

    public static let parameterDeclarations: [ParameterDeclaration<Self>] = [
        .int("factors", \.factors, default: 100, range: 0...4096, help: "latent dimensions (0 gives the biases-only baseline)"),
        .int("epochs", \.epochs, default: 50, range: 1...100_000, help: "passes over the training ratings"),
        .double("learning_rate", \.learningRate, default: 0.007, range: 1e-9...10, help: "SGD step size"),
        .double("learning_rate_decay", \.learningRateDecay, default: 0.97, range: 0.01...1, help: "step size multiplier after each epoch (1 keeps it constant)"),
        .double("reg_factors", \.regFactors, default: 0.06, range: 0...1000, help: "L2 penalty on user and item factors"),
        .double("reg_biases", \.regBiases, default: 0.02, range: 0...1000, help: "L2 penalty on user and item biases"),
        .double("init_std", \.initStd, default: 0.05, range: 0...10, help: "standard deviation of the Gaussian factor initialisation"),
        .int("strata", \.strata, default: 8, range: 1...1024, help: "user and item blocks for deterministic parallel SGD (1: one sequential pass in a global shuffled order)"),
    ]

    public init(reading v: DeclaredValues<Self>) {
        factors = v[\.factors]
        epochs = v[\.epochs]
        learningRate = v[\.learningRate]
        learningRateDecay = v[\.learningRateDecay]
        regFactors = v[\.regFactors]
        regBiases = v[\.regBiases]
        initStd = v[\.initStd]
        strata = v[\.strata]
    }
}

/// Biased matrix factorisation trained by stochastic gradient descent: `r_ui ~ mu + b_u + c_i + p_u . q_i`,
/// minimising squared error plus L2 penalties on biases and factors (Koren, Bell and Volinsky 2009,
/// "Matrix Factorization Techniques for Recommender Systems", IEEE Computer 42(8), eq. 5; the SGD updates
/// of Funk 2006, "Netflix Update: Try This at Home").
///
/// Training visits every training rating once per epoch. The epochs are parallelised by stratification
/// (`StratifiedSchedule`, Gemulla et al. 2011): blocks of disjoint users and items are updated concurrently,
/// each in an order drawn from its own seeded stream, so the same seed always gives the same model whatever
/// the thread count (lock-free "Hogwild" SGD would not). `strata: 1` is classic sequential SGD. The global mean is the training mean and is not learned. The learning rate is multiplied by
/// `learning_rate_decay` after each epoch. Cost: O(epochs * ratings * factors) time, O((users + items) *
/// factors) memory. Predictions are clipped to the training rating range.
// @unchecked Sendable: the fitted state is written only by `fit`, before the strategy is shared; `score` and
// `predict` only read it (the Recommender contract), so concurrent scoring needs no lock.
public final class BiasedMFRecommender: IterativeRecommender, @unchecked Sendable {
    public static let iterationParameter = "epochs"
    public static let typeName = "biased-mf"
    public static let summary = "SGD matrix factorisation with global, user and item biases (Koren, Bell and Volinsky 2009)"

    public let config: BiasedMFConfig
    public var factors: Int { config.factors }
    public var epochs: Int { config.epochs }
    public var learningRate: Float { Float(config.learningRate) }
    public var learningRateDecay: Float { Float(config.learningRateDecay) }
    public var regFactors: Float { Float(config.regFactors) }
    public var regBiases: Float { Float(config.regBiases) }
    public var initStd: Float { Float(config.initStd) }
    public var strata: Int { config.strata }
    private(set) var model: FactorModel?

    public init(parameters: Parameters) throws {
        config = try BiasedMFConfig(parameters, owner: Self.typeName)
    }

    public var predictsRatings: Bool { true }

    public func fit(_ train: TrainingSet, context: FitContext) throws {
        try FactorParameters.requireData(train, strategy: Self.typeName)
        let m = train.byUser
        let k = factors
        var model = try FactorModel.checked(factors: k, userCount: train.userCount, itemCount: train.itemCount)
        var rng = SeededRandom(seed: context.seed, stream: "biased-mf")
        model.randomise(std: initStd, rng: &rng)
        model.globalMean = train.globalMean
        model.ratingRange = valueRange(m)

        let schedule = StratifiedSchedule(m, strata: min(strata, max(1, m.rowCount), max(1, m.columnCount)), rng: &rng)
        let mu = model.globalMean
        var lr = learningRate
        let rf = regFactors, rb = regBiases
        let progress = context.showProgress ? ProgressReporter("biased-mf epochs", total: epochs) : nil
        for epoch in 0..<epochs {
            let step = lr
            model.userFactors.withUnsafeMutableBufferPointer { pf in
            model.itemFactors.withUnsafeMutableBufferPointer { qf in
            model.userBias.withUnsafeMutableBufferPointer { bu in
            model.itemBias.withUnsafeMutableBufferPointer { bi in
            m.columns.withUnsafeBufferPointer { cols in
            m.values.withUnsafeBufferPointer { vals in
            schedule.rowOf.withUnsafeBufferPointer { rows in
                let P = pf.baseAddress!, Q = qf.baseAddress!
                schedule.runEpoch(seed: context.seed, epoch: epoch, rng: &rng) { _, _, entries, blockRandom in
                    var order = entries
                    blockRandom.shuffle(&order)
                    for idx in order {
                        let j = Int(idx)
                        let u = Int(rows[j]), i = Int(cols[j])
                        let pu = P + u * k, qi = Q + i * k
                        let e = vals[j] - (mu + bu[u] + bi[i] + DenseLinearAlgebra.dot(pu, qi, k))
                        bu[u] += step * (e - rb * bu[u])
                        bi[i] += step * (e - rb * bi[i])
                        for f in 0..<k {
                            let p = pu[f], q = qi[f]
                            pu[f] = p + step * (e * q - rf * p)
                            qi[f] = q + step * (e * p - rf * q)
                        }
                    }
                }
            }}}}}}}
            lr *= learningRateDecay
            progress?.advance()
            if let hook = context.afterIteration {
                var snapshot = model
                snapshot.clearUnseen(train)
                self.model = snapshot
                if !hook(epoch + 1) { break }
            }
        }
        progress?.finish()
        model.clearUnseen(train)
        self.model = model
    }

    public func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        guard let model else { preconditionFailure("biased-mf: score before fit") }
        model.score(user: user, into: scores)
    }

    public func scoreBlock(users: UnsafeBufferPointer<Int32>, into scores: UnsafeMutableBufferPointer<Float>) {
        guard let model else { preconditionFailure("biased-mf: score before fit") }
        model.scoreBlock(users: users, into: scores)
    }

    public func predict(user: Int, item: Int) -> Float? { model?.predict(user: user, item: item) }
}
