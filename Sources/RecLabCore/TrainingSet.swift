/// Which interactions a model learns from, and what the matrix values mean.
public enum FeedbackKind: String, Sendable, Codable {
    /// Only interactions with a rating; values are ratings.
    case explicit
    /// Every interaction; values are interaction counts (re-watches add up), ratings ignored.
    case implicit
}

/// A training view: the rows of a dataset selected by a split, as user-by-item (`byUser`, CSR)
/// and item-by-user (`byItem`, CSC of the same matrix) sparse matrices. The dataset itself is
/// shared, never copied; indices are the dataset's dense user and item indices, so a user or item
/// with no training data simply has an empty row.
public struct TrainingSet: Sendable {
    public let dataset: Dataset
    /// Rows of `dataset` in this view.
    public let rows: [Int32]
    public let feedback: FeedbackKind
    public let byUser: SparseMatrix
    public let byItem: SparseMatrix
    /// Mean of the matrix values (the global mean rating for explicit feedback).
    public let globalMean: Float
    /// Latest training timestamp (the "now" of the view, for recency and novelty features).
    public let latestTimestamp: Int64

    public var userCount: Int { dataset.userCount }
    public var itemCount: Int { dataset.itemCount }

    /// Builds the matrices in O(rows + users + items). A (user, item) pair seen more than once keeps
    /// its latest rating (explicit) or adds up its count (implicit).
    public init(dataset: Dataset, rows: [Int32], feedback: FeedbackKind) {
        self.dataset = dataset
        self.feedback = feedback
        var selected = [Int32]()
        selected.reserveCapacity(rows.count)
        for r in rows where feedback == .implicit || !dataset.ratings[Int(r)].isNaN { selected.append(r) }
        // Time order within a user, so "latest rating wins" is the last one combined.
        selected.sort()
        self.rows = selected
        var us = [Int32](), its = [Int32](), vs = [Float]()
        us.reserveCapacity(selected.count); its.reserveCapacity(selected.count); vs.reserveCapacity(selected.count)
        var latest = Int64.min
        for r in selected {
            let k = Int(r)
            us.append(dataset.users[k]); its.append(dataset.items[k])
            vs.append(feedback == .explicit ? dataset.ratings[k] : 1)
            latest = max(latest, dataset.timestamps[k])
        }
        latestTimestamp = latest
        let m = SparseMatrix(rowCount: dataset.userCount, columnCount: dataset.itemCount, rows: us, cols: its, vals: vs,
                             combine: feedback == .explicit ? { _, new in new } : { old, new in old + new })
        byUser = m
        byItem = m.transposed()
        globalMean = m.values.isEmpty ? 0 : Float(m.values.reduce(0.0) { $0 + Double($1) } / Double(m.values.count))
    }

    /// Convenience: the whole dataset as training data.
    public init(dataset: Dataset, feedback: FeedbackKind) {
        self.init(dataset: dataset, rows: (0..<Int32(dataset.interactionCount)).map { $0 }, feedback: feedback)
    }
}
