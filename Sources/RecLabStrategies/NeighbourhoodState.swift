import RecLabCore

/// The settings `item-knn` and `user-knn` share (each declares its own defaults and help).
protocol NeighbourhoodConfig: DeclaredParameters {
    var similarity: SimilarityKind { get }
    var k: Int { get }
    var candidates: Int { get }
    var shrink: Double { get }
    var minSupport: Int { get }
    var binarize: Bool { get }
    var damping: Double { get }
}

/// What `item-knn` and `user-knn` share: their parameters, the fitted top-k neighbour lists, the popularity
/// fallback for cold users and unreached items, and the damped baseline their rating predictions are centred
/// on. The two strategies differ only in the axis the neighbours live on (items or users) and in how they
/// turn neighbours into scores.
struct NeighbourhoodState {
    let options: SimilarityOptions
    let damping: Float
    var neighbours = NeighbourLists(start: [0], items: [], weights: [])
    var train: TrainingSet?
    var popularity: [Float] = []
    var maxPopularity: Float = 0
    var baseline: BaselinePredictor?

    init<C: NeighbourhoodConfig>(config: C) {
        options = SimilarityOptions(kind: config.similarity, binarize: config.binarize, shrink: Float(config.shrink),
                                    minSupport: config.minSupport, neighbours: config.k, stored: config.candidates)
        damping = Float(config.damping)
    }

    /// Fits neighbours between the rows of `rows` (items for item-knn: `train.byItem`; users for user-knn:
    /// `train.byUser`), `cols` being the same matrix the other way round.
    mutating func fit(_ train: TrainingSet, rows: SparseMatrix, cols: SparseMatrix, progress: ProgressReporter?) {
        var options = options
        // Ranking reads only the first k of a row; the deeper candidate lists serve rating prediction, which
        // implicit feedback has not: keeping k then gives the same rankings with less selection work.
        if train.feedback == .implicit { options.stored = min(options.stored, options.neighbours) }
        neighbours = SparseSimilarity.neighbours(rows: rows, cols: cols, options: options, progress: progress)
        popularity = itemInteractionCounts(train)
        maxPopularity = popularity.max() ?? 0
        baseline = train.feedback == .explicit ? BaselinePredictor(train: train, itemDamping: damping, userDamping: damping) : nil
        self.train = train
    }

    /// The first k of the stored neighbours of row `i` (the rest are candidates for rating prediction).
    @inline(__always) func rankingRange(_ i: Int) -> Range<Int> {
        let r = neighbours.range(i)
        return r.lowerBound..<min(r.upperBound, r.lowerBound + options.neighbours)
    }

    /// The `k` neighbours of row `i` used for ranking, best first.
    func rankingNeighbours(of i: Int) -> [(Int, Float)] {
        rankingRange(i).map { (Int(neighbours.items[$0]), neighbours.weights[$0]) }
    }
}
