import Foundation
import RecLabCore

/// Settings of `bpr`.
public struct BPRConfig: DeclaredParameters {
    public var factors: Int
    public var epochs: Int
    public var samplesPerEpoch: Double
    public var learningRate: Double
    public var regFactors: Double
    public var regBias: Double
    public var itemBias: Bool
    public var initStd: Double
    public var strata: Int

    public static let parameterDeclarations: [ParameterDeclaration<Self>] = [
        .int("factors", \.factors, default: 64, range: 1...4096, help: "latent dimensions"),
        .int("epochs", \.epochs, default: 150, range: 1...100_000, help: "training epochs"),
        .double("samples_per_epoch", \.samplesPerEpoch, default: 1.0, range: 1e-6...1000, help: "triples drawn per epoch, as a multiple of the training pairs"),
        .double("learning_rate", \.learningRate, default: 0.05, range: 1e-9...10, help: "SGD step size"),
        .double("reg_factors", \.regFactors, default: 0.005, range: 0...1000, help: "L2 penalty on user and item factors (lambda)"),
        .double("reg_bias", \.regBias, default: 0.0, range: 0...1000, help: "L2 penalty on item biases"),
        .bool("item_bias", \.itemBias, default: true, help: "learn an item bias c_i"),
        .double("init_std", \.initStd, default: 0.1, range: 0...10, help: "standard deviation of the Gaussian factor initialisation"),
        .int("strata", \.strata, default: 0, range: 0...1024, help: "user and item blocks for deterministic parallel SGD; 0 picks min(8, items / 256), so each negative pool keeps at least 256 items; 1 is sequential with negatives from the whole catalogue"),
    ]

    public init(reading v: DeclaredValues<Self>) {
        factors = v[\.factors]
        epochs = v[\.epochs]
        samplesPerEpoch = v[\.samplesPerEpoch]
        learningRate = v[\.learningRate]
        regFactors = v[\.regFactors]
        regBias = v[\.regBias]
        itemBias = v[\.itemBias]
        initStd = v[\.initStd]
        strata = v[\.strata]
    }
}

/// Bayesian Personalized Ranking with a matrix-factorisation model (Rendle, Freudenthaler, Gantner and
/// Schmidt-Thieme 2009, "BPR: Bayesian Personalized Ranking from Implicit Feedback", UAI): maximises
/// `sum ln sigmoid(x_ui - x_uj) - lambda |theta|^2` over triples (u, i, j) with i observed for u and j not,
/// by stochastic gradient ascent with bootstrap sampling (LearnBPR, the paper's Algorithm 1):
/// each step draws an observed pair (u, i) uniformly and a negative j uniformly among u's unobserved items.
/// The score is `x_ui = c_i + p_u . q_i` (the item bias `c_i` is optional).
///
/// Every interaction counts as positive feedback whatever its rating. An epoch is `samples_per_epoch` times
/// the number of training pairs steps. Epochs are parallelised by stratification (`StratifiedSchedule`,
/// Gemulla et al. 2011): blocks of disjoint users and items run concurrently, each drawing its positives
/// from its own pairs and its negatives from its own item block, from its own seeded stream; over the
/// sub-epochs of an epoch every item block serves as negatives. So the same seed gives the same model
/// whatever the thread count. `strata: 1` is the paper's sequential LearnBPR.
/// Cost: O(epochs * pairs * factors) time.
///
/// Defaults (64 factors, 150 epochs, step 0.05, lambda 0.005) come from a small grid on ml-latest-small's
/// per-user temporal split (ndcg@10 about 0.09 against most-popular's 0.074; lambda 0.001 or 0.02 did worse,
/// and 60 or 100 epochs gave 0.083-0.090 against 0.090-0.093 for 150). BPR's result varies by about 0.005
/// ndcg@10 from seed to seed.
// @unchecked Sendable: the fitted state is written only by `fit`, before the strategy is shared; `score` and
// `predict` only read it (the Recommender contract), so concurrent scoring needs no lock.
public final class BPRRecommender: IterativeRecommender, @unchecked Sendable {
    public static let iterationParameter = "epochs"
    public static let typeName = "bpr"
    public static let summary = "Bayesian Personalized Ranking, SGD over (user, positive, negative) triples (Rendle et al. 2009)"

    public let config: BPRConfig
    public var factors: Int { config.factors }
    public var epochs: Int { config.epochs }
    public var samplesPerEpoch: Double { config.samplesPerEpoch }
    public var learningRate: Float { Float(config.learningRate) }
    public var regFactors: Float { Float(config.regFactors) }
    public var regBias: Float { Float(config.regBias) }
    public var itemBias: Bool { config.itemBias }
    public var initStd: Float { Float(config.initStd) }
    public var strata: Int { config.strata }
    private(set) var model: FactorModel?

    public init(parameters: Parameters) throws {
        config = try BPRConfig(parameters, owner: Self.typeName)
    }

    public func fit(_ train: TrainingSet, context: FitContext) throws {
        try FactorParameters.requireData(train, strategy: Self.typeName)
        let m = train.byUser
        let k = factors, itemCount = train.itemCount
        var model = try FactorModel.checked(factors: k, userCount: train.userCount, itemCount: itemCount)
        var rng = SeededRandom(seed: context.seed, stream: "bpr")
        model.randomise(std: initStd, rng: &rng)
        // Negatives come from the positive's item block, so blocks must stay large enough to be a fair
        // sample of the catalogue: by default at least 256 items each.
        let blocks = strata > 0 ? strata : min(8, max(1, itemCount / 256))
        let schedule = StratifiedSchedule(m, strata: min(blocks, itemCount, max(1, m.rowCount)), rng: &rng)
        let lr = learningRate, rf = regFactors, rb = regBias, useBias = itemBias, rate = samplesPerEpoch
        let progress = context.showProgress ? ProgressReporter("bpr epochs", total: epochs) : nil
        for epoch in 0..<epochs {
            model.userFactors.withUnsafeMutableBufferPointer { pf in
            model.itemFactors.withUnsafeMutableBufferPointer { qf in
            model.itemBias.withUnsafeMutableBufferPointer { bi in
            m.columns.withUnsafeBufferPointer { cols in
            m.rowStart.withUnsafeBufferPointer { starts in
            schedule.rowOf.withUnsafeBufferPointer { rows in
                let P = pf.baseAddress!, Q = qf.baseAddress!
                schedule.runEpoch(seed: context.seed, epoch: epoch, rng: &rng) { _, b, entries, blockRandom in
                    guard !entries.isEmpty else { return }
                    let negatives = schedule.itemsOfBlock[b]
                    let steps = max(1, Int((Double(entries.count) * rate).rounded()))
                    let diff = UnsafeMutablePointer<Float>.allocate(capacity: k)
                    defer { diff.deallocate() }
                    for _ in 0..<steps {
                        let pair = Int(entries[blockRandom.nextInt(entries.count)])
                        let u = Int(rows[pair]), i = Int(cols[pair])
                        let lo = starts[u], hi = starts[u + 1]
                        // Uniform negative among the block's items the user has not seen (rejection
                        // sampling; a user who has seen nearly all of them is skipped after a few tries).
                        var j = -1
                        for _ in 0..<64 {
                            let c = Int(negatives[blockRandom.nextInt(negatives.count)])
                            if !Self.contains(cols, lo, hi, Int32(c)) { j = c; break }
                        }
                        if j < 0 { continue }
                        let pu = P + u * k, qi = Q + i * k, qj = Q + j * k
                        for f in 0..<k { diff[f] = qi[f] - qj[f] }
                        var x = DenseLinearAlgebra.dot(pu, diff, k)
                        if useBias { x += bi[i] - bi[j] }
                        // d/dx ln sigmoid(x) = sigmoid(-x).
                        let g = 1 / (1 + Foundation.exp(x))
                        for f in 0..<k {
                            let p = pu[f]
                            pu[f] = p + lr * (g * diff[f] - rf * p)
                            qi[f] += lr * (g * p - rf * qi[f])
                            qj[f] += lr * (-g * p - rf * qj[f])
                        }
                        if useBias {
                            bi[i] += lr * (g - rb * bi[i])
                            bi[j] += lr * (-g - rb * bi[j])
                        }
                    }
                }
            }}}}}}
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

    /// Binary search for `item` in the sorted `cols[lo..<hi]`.
    @inline(__always)
    private static func contains(_ cols: UnsafeBufferPointer<Int32>, _ lo: Int, _ hi: Int, _ item: Int32) -> Bool {
        var a = lo, b = hi
        while a < b {
            let mid = (a + b) >> 1
            if cols[mid] < item { a = mid + 1 } else { b = mid }
        }
        return a < hi && cols[a] == item
    }

    public func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        guard let model else { preconditionFailure("bpr: score before fit") }
        model.score(user: user, into: scores)
    }

    public func scoreBlock(users: UnsafeBufferPointer<Int32>, into scores: UnsafeMutableBufferPointer<Float>) {
        guard let model else { preconditionFailure("bpr: score before fit") }
        model.scoreBlock(users: users, into: scores)
    }
}
