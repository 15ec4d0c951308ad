import RecLabCore

// PLACEHOLDER: to be replaced by the real strategy.
public final class ItemKNNRecommender: Recommender, @unchecked Sendable {
    public static let typeName = "item-knn"
    public static let summary = "not implemented yet"
    public static let parameterDocs: [ParameterDoc] = []

    public init(parameters: Parameters) throws {
        throw RecLabError.usage("strategy 'item-knn' is not implemented yet")
    }

    public func fit(_ train: TrainingSet, context: FitContext) throws {}
    public func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {}
}
