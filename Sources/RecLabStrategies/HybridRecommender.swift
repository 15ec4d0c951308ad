import RecLabCore

/// Settings of `hybrid`. The inner strategies' own parameters are passed as `base.NAME` and `fallback.NAME`
/// and checked by those strategies.
public struct HybridConfig: DeclaredParameters {
    public var base: String
    public var fallback: String
    public var minUserInteractions: Int
    public var minItemInteractions: Int
    public var coldItemWeight: Double

    public static let nestedPrefixes = ["base.", "fallback."]

    public static let parameterDeclarations: [ParameterDeclaration<Self>] = [
        .choice("base", \.base, default: "ease", allowed: StrategyRegistry.typeNames.filter { $0 != HybridRecommender.typeName },
                help: "the learned strategy (any registered type except hybrid); its parameters as base.NAME, e.g. base.lambda"),
        .choice("fallback", \.fallback, default: "content", allowed: ["content", "most-popular"],
                help: "content or most-popular; its parameters as fallback.NAME, e.g. fallback.tag_weight"),
        .int("min_user_interactions", \.minUserInteractions, default: 5, range: 0...Int(Int32.max),
             help: "users with fewer training interactions lean on the fallback (linear ramp; 0 = never)"),
        .int("min_item_interactions", \.minItemInteractions, default: 5, range: 0...Int(Int32.max),
             help: "items with fewer training interactions lean on the fallback (linear ramp; 0 = never)"),
        .double("cold_item_weight", \.coldItemWeight, default: 0.1, range: 0...1,
                help: "κ: weight of the fallback score of a cold item relative to the base's scores (0...1)"),
    ]

    public init(reading v: DeclaredValues<Self>) {
        base = v[\.base]; fallback = v[\.fallback]
        minUserInteractions = v[\.minUserInteractions]; minItemInteractions = v[\.minItemInteractions]
        coldItemWeight = v[\.coldItemWeight]
    }
}

/// A learned strategy with a fallback for cold-start users and items (the switching/weighted hybrids of
/// Burke, "Hybrid recommender systems: survey and experiments", UMUAI 2002; the cold-start motivation of
/// Schein, Popescul, Ungar and Pennock, SIGIR 2002).
///
/// Blending rule. Both strategies are fitted on the same training data. Each one's scores for the user are
/// min–max rescaled to [0, 1] (′ below; scores of different strategies live on unrelated scales). With n_u and
/// n_j the training interaction counts of user u and item j, the confidences are linear ramps
///     w_u = min(1, n_u / min_user_interactions),   v_j = min(1, n_j / min_item_interactions)
/// (a threshold of 0 means full confidence), and
///     score_uj = w_u · [ v_j · base′_uj + (1 − v_j) · κ · fallback′_uj ] + (1 − w_u) · fallback′_uj,
/// κ = `cold_item_weight`. So a user with enough history ranks warm items exactly as the base does; a user with
/// no history gets the fallback's ranking; a movie nobody has interacted with is placed by its fallback score
/// (for `content`: how well its genres and tags match the user's profile) discounted by κ, because an unseen
/// item's best content match is weaker evidence than the base's best collaborative match (with κ = 1, cold
/// movies flood the top of every list: on ml-latest-small that takes ndcg@10 from 0.104 to 0.009).
/// Rating predictions, when the base makes them, come from the base.
///
/// Cost: the two strategies' costs plus O(items) per user.
// @unchecked Sendable: the fitted state is written only by `fit`, before the strategy is shared; `score` and
// `predict` only read it (the Recommender contract), so concurrent scoring needs no lock.
public final class HybridRecommender: Recommender, @unchecked Sendable {
    public static let typeName = "hybrid"
    public static let summary = "a learned base strategy blended with a content or popularity fallback for cold users and items (Burke 2002)"

    public let config: HybridConfig
    private let base: any Recommender
    private let fallback: any Recommender
    private var minUser: Int { config.minUserInteractions }
    private var minItem: Int { config.minItemInteractions }
    private var coldItemWeight: Float { Float(config.coldItemWeight) }
    private var train: TrainingSet?
    private var itemConfidence: [Float] = []

    public init(parameters: Parameters) throws {
        let config = try HybridConfig(parameters, owner: Self.typeName)
        self.config = config
        /// Errors of the inner strategy name the prefixed key the researcher wrote (`base.lambda`).
        func make(_ type: String, _ prefix: String) throws -> any Recommender {
            do {
                return try StrategyRegistry.make(type: type, parameters: RecLabStrategies.parameters(withPrefix: prefix, from: parameters))
            } catch var e as RecLabError {
                if let key = e.key { e.key = prefix + key; e.line = e.line ?? parameters.lines[prefix + key] }
                throw e
            }
        }
        base = try make(config.base, "base.")
        fallback = try make(config.fallback, "fallback.")
    }

    public func fit(_ train: TrainingSet, context: FitContext) throws {
        try base.fit(train, context: context)
        try fallback.fit(train, context: context)
        itemConfidence = (0..<train.itemCount).map { Self.ramp(train.byItem.count(ofRow: $0), minItem) }
        self.train = train
    }

    @inline(__always) private static func ramp(_ n: Int, _ threshold: Int) -> Float {
        threshold == 0 ? 1 : min(1, Float(n) / Float(threshold))
    }

    /// Rescales finite scores to [0, 1] in place (all equal → 0); non-finite ones become 0.
    private static func rescale(_ s: UnsafeMutableBufferPointer<Float>) {
        var lo = Float.infinity, hi = -Float.infinity
        for x in s where x.isFinite { lo = min(lo, x); hi = max(hi, x) }
        let range = hi - lo
        for j in 0..<s.count { s[j] = s[j].isFinite && range > 0 ? (s[j] - lo) / range : 0 }
    }

    public func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        guard let train else { requireFitted(false, Self.typeName); return }
        let userConfidence = Self.ramp(train.byUser.count(ofRow: user), minUser)
        var other = [Float](repeating: 0, count: scores.count)
        other.withUnsafeMutableBufferPointer { fb in
            fallback.score(user: user, into: fb)
            Self.rescale(fb)
            if userConfidence > 0 {
                base.score(user: user, into: scores)
                Self.rescale(scores)
            } else {
                for j in 0..<scores.count { scores[j] = 0 }
            }
            let w = userConfidence, kappa = coldItemWeight
            for j in 0..<scores.count {
                let v = itemConfidence[j]
                scores[j] = w * (v * scores[j] + (1 - v) * kappa * fb[j]) + (1 - w) * fb[j]
            }
        }
    }

    public var predictsRatings: Bool { base.predictsRatings }

    public func predict(user: Int, item: Int) -> Float? { base.predict(user: user, item: item) }
}
