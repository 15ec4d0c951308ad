import RecLabCore

/// Maps config type names to strategy types.
public enum StrategyRegistry {
    public static let types: [any Recommender.Type] = [
        RandomRecommender.self,
        MostPopularRecommender.self,
        TopRatedRecommender.self,
        ItemKNNRecommender.self,
        UserKNNRecommender.self,
        BiasedMFRecommender.self,
        ALSRecommender.self,
        ImplicitALSRecommender.self,
        BPRRecommender.self,
        EASERecommender.self,
        RP3BetaRecommender.self,
        SLIMRecommender.self,
        SVDPlusPlusRecommender.self,
        ContentRecommender.self,
        HybridRecommender.self,
    ]

    public static var typeNames: [String] { types.map { $0.typeName } }

    public static func type(named name: String) -> (any Recommender.Type)? {
        types.first { $0.typeName == name }
    }

    /// Creates an unfitted strategy; unknown types and bad parameters are config errors.
    public static func make(type name: String, parameters: Parameters) throws -> any Recommender {
        guard let t = type(named: name) else {
            throw RecLabError.config("unknown strategy type '\(name)'; known types: \(typeNames.joined(separator: ", "))",
                                     file: parameters.file)
        }
        return try t.init(parameters: parameters)
    }
}
