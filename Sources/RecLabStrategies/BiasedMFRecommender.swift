import RecLabCore

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
public final class BiasedMFRecommender: Recommender, @unchecked Sendable {
    public static let typeName = "biased-mf"
    public static let summary = "SGD matrix factorisation with global, user and item biases (Koren, Bell and Volinsky 2009)"
    public static let parameterDocs: [ParameterDoc] = [
        ParameterDoc("factors", "100", "latent dimensions (0 gives the biases-only baseline)"),
        ParameterDoc("epochs", "50", "passes over the training ratings"),
        ParameterDoc("learning_rate", "0.007", "SGD step size"),
        ParameterDoc("learning_rate_decay", "0.97", "step size multiplier after each epoch (1 keeps it constant)"),
        ParameterDoc("reg_factors", "0.06", "L2 penalty on user and item factors"),
        ParameterDoc("reg_biases", "0.02", "L2 penalty on user and item biases"),
        ParameterDoc("init_std", "0.05", "standard deviation of the Gaussian factor initialisation"),
        ParameterDoc("strata", "8", "user and item blocks for deterministic parallel SGD (1: one sequential pass in a global shuffled order)"),
    ]

    public let factors: Int
    public let epochs: Int
    public let learningRate: Float
    public let learningRateDecay: Float
    public let regFactors: Float
    public let regBiases: Float
    public let initStd: Float
    public let strata: Int
    private(set) var model: FactorModel?

    public init(parameters: Parameters) throws {
        try parameters.rejectUnknown(allowed: Set(Self.parameterDocs.map(\.name)), owner: Self.typeName)
        factors = try parameters.int("factors", default: 100, range: 0...4096)
        epochs = try parameters.int("epochs", default: 50, range: 1...100_000)
        learningRate = Float(try parameters.double("learning_rate", default: 0.007, range: 1e-9...10))
        learningRateDecay = Float(try parameters.double("learning_rate_decay", default: 0.97, range: 0.01...1))
        regFactors = Float(try parameters.double("reg_factors", default: 0.06, range: 0...1000))
        regBiases = Float(try parameters.double("reg_biases", default: 0.02, range: 0...1000))
        initStd = Float(try parameters.double("init_std", default: 0.05, range: 0...10))
        strata = try parameters.int("strata", default: 8, range: 1...1024)
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
        }
        progress?.finish()
        model.clearUnseen(train)
        self.model = model
    }

    public func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        guard let model else { preconditionFailure("biased-mf: score before fit") }
        model.score(user: user, into: scores)
    }

    public func predict(user: Int, item: Int) -> Float? { model?.predict(user: user, item: item) }
}
