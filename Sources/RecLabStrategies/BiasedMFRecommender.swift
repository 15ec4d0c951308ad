import RecLabCore

// PLACEHOLDER: to be replaced by the real strategy.
public final class BiasedMFRecommender: Recommender, @unchecked Sendable {
    public static let typeName = "biased-mf"
    public static let summary = "not implemented yet"
    public static let parameterDocs: [ParameterDoc] = []

    public init(parameters: Parameters) throws {
        throw RecLabError.usage("strategy 'biased-mf' is not implemented yet")
    }

    public func fit(_ train: TrainingSet, context: FitContext) throws {}
    public func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {}
}
