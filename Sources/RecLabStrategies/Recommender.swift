import RecLabCore

/// Everything a strategy needs besides the data when it learns.
public struct FitContext: Sendable {
    /// Seed for any randomness in training (initialisation, sampling, shuffling).
    public var seed: UInt64
    /// Report progress for long fits.
    public var showProgress: Bool
    /// Called by iterative strategies (`IterativeRecommender`) after each iteration with the number of
    /// iterations done, once the model can score and predict; returning false stops training there. Tuning
    /// uses it for early stopping on a validation metric. Nil (the default) changes nothing.
    public var afterIteration: (@Sendable (Int) -> Bool)?

    public init(seed: UInt64, showProgress: Bool = false, afterIteration: (@Sendable (Int) -> Bool)? = nil) {
        self.seed = seed; self.showProgress = showProgress; self.afterIteration = afterIteration
    }
}

/// A strategy trained in iterations (alternations or epochs) that calls `FitContext.afterIteration`, so a
/// tuner can stop it early on a validation metric and record how many iterations were best.
public protocol IterativeRecommender: Recommender {
    /// The declared parameter holding the iteration count (`iterations` or `epochs`).
    static var iterationParameter: String { get }
}

/// A recommendation strategy (in the spirit of LensKit's `Recommender`: fit, then score).
///
/// Contract:
/// - `init(parameters:)` builds the typed `Config` from `Parameters` (validating every parameter against its
///   declaration; unknown names are errors) and does no work. The model reads its settings only from `config`.
/// - `fit` is called once; afterwards the model is immutable, and `score`/`predict` may be called
///   concurrently from several threads.
/// - Same seed and same training data give the same model.
/// - Users and items are the dataset's dense indices; a user with no training data gets a
///   sensible score vector (popularity, a fallback, or all zeros), never a crash.
public protocol Recommender: AnyObject, Sendable {
    /// Registered type name used in configs (`item-knn`).
    static var typeName: String { get }
    /// One line on what it does, with its reference where there is one.
    static var summary: String { get }
    /// The typed configuration: one declaration per parameter (name, type, default, range, help).
    associatedtype Config: DeclaredParameters = NoParameters
    /// The settings the model uses.
    var config: Config { get }

    init(parameters: Parameters) throws

    func fit(_ train: TrainingSet, context: FitContext) throws

    /// Writes one score per item (higher is better) for `user` into `scores` (count == item count).
    func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>)

    /// Scores for a block of users: row r of `scores` (row-major, `users.count × itemCount`) holds user
    /// `users[r]`'s scores, as `score(user:)` gives them up to the rounding of a different summation order.
    /// Strategies with a matrix form override it to share work across the block (factor models: one GEMM,
    /// reading the item factors once per block instead of once per user; EASE: each row of B read once per
    /// block); the default calls `score` per user. Memory: the caller's buffer, bounded by the block.
    func scoreBlock(users: UnsafeBufferPointer<Int32>, into scores: UnsafeMutableBufferPointer<Float>)

    /// Bytes the fit will need on a training set of this size, when the strategy's memory is dominated by
    /// something computable up front (EASE's dense n × n matrix); nil when it is not. Runs check it against
    /// their memory budget before any work.
    func estimatedFitBytes(users: Int, items: Int, interactions: Int) -> Int?

    /// What a user can do when `estimatedFitBytes` is above `budget` bytes (a sentence for the error), or nil.
    func memoryAlternatives(budget: Int, items: Int) -> String?

    /// True when `predict` returns rating predictions.
    var predictsRatings: Bool { get }

    /// Predicted explicit rating of `item` by `user`; nil for strategies that only rank.
    func predict(user: Int, item: Int) -> Float?
}

extension Recommender where Config == NoParameters {
    public var config: NoParameters { NoParameters() }
}

extension Recommender {
    /// The strategy's parameters, for references and checks.
    public static var parameterInfo: [ParameterInfo] { Config.parameterInfo }
    public var predictsRatings: Bool { false }
    public func predict(user: Int, item: Int) -> Float? { nil }
    public func estimatedFitBytes(users: Int, items: Int, interactions: Int) -> Int? { nil }
    public func memoryAlternatives(budget: Int, items: Int) -> String? { nil }

    public func scoreBlock(users: UnsafeBufferPointer<Int32>, into scores: UnsafeMutableBufferPointer<Float>) {
        guard !users.isEmpty else { return }
        let items = scores.count / users.count
        for (r, user) in users.enumerated() {
            score(user: Int(user), into: UnsafeMutableBufferPointer(rebasing: scores[(r * items)..<((r + 1) * items)]))
        }
    }
    public var typeName: String { Self.typeName }
}

/// A strategy that can score users it was not fitted on from their history alone, without refitting: the
/// fold-in of strong generalisation (Liang et al., "Variational Autoencoders for Collaborative Filtering",
/// WWW 2018: held-out users, part of whose history is given to the fitted model and the rest predicted).
public protocol FoldInRecommender: Recommender {
    /// Makes `history` the users' histories `score` reads, after `fit` and before scoring: it holds the training
    /// rows plus the held-out users' fold-in rows (same catalogue). What was learned in `fit` is kept.
    func foldIn(_ history: TrainingSet) throws
}

/// One recommended item.
public struct ScoredItem: Sendable, Equatable {
    public var item: Int32
    public var score: Float

    public init(item: Int32, score: Float) {
        self.item = item; self.score = score
    }
}

public enum TopK {
    /// The `k` highest-scoring items, best first, skipping `excluded` (sorted ascending, for example the
    /// user's training items) and non-finite scores. Ties break toward the lower item index so rankings
    /// are deterministic. O(n log k) with a size-k min-heap.
    public static func select(scores: UnsafeBufferPointer<Float>, k: Int, excluded: ArraySlice<Int32> = []) -> [ScoredItem] {
        guard k > 0 else { return [] }
        // Never more than the catalogue: a cutoff far above it must not allocate for k items.
        var heap = TopKHeap(capacity: min(k, scores.count))
        var ex = excluded.startIndex
        for i in 0..<scores.count {
            let item = Int32(i)
            while ex < excluded.endIndex && excluded[ex] < item { ex += 1 }
            if ex < excluded.endIndex && excluded[ex] == item { continue }
            let s = scores[i]
            guard s.isFinite else { continue }
            heap.offer(item: item, score: s)
        }
        return heap.sortedBestFirst()
    }
}

/// Bounded min-heap keeping the `capacity` best candidates: higher score first, ties to the lower item
/// index. Used for top-k rankings (`TopK.select`) and top-k neighbour lists. O(log capacity) per offer.
struct TopKHeap {
    private var heap: [ScoredItem] = []
    let capacity: Int

    // Reserves at most a small amount up front: callers may pass a capacity larger than the candidates.
    init(capacity: Int) { self.capacity = capacity; heap.reserveCapacity(min(capacity, 4096)) }

    mutating func removeAll() { heap.removeAll(keepingCapacity: true) }

    /// a ranks below b: lower score, or equal score and higher index.
    @inline(__always) private static func worse(_ a: ScoredItem, _ b: ScoredItem) -> Bool {
        a.score < b.score || (a.score == b.score && a.item > b.item)
    }

    @inline(__always)
    mutating func offer(item: Int32, score: Float) {
        guard capacity > 0 else { return }
        let e = ScoredItem(item: item, score: score)
        if heap.count < capacity {
            heap.append(e)
            var c = heap.count - 1
            while c > 0 {
                let p = (c - 1) / 2
                if Self.worse(heap[c], heap[p]) { heap.swapAt(c, p); c = p } else { break }
            }
        } else if Self.worse(heap[0], e) {
            heap[0] = e
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && Self.worse(heap[l], heap[m]) { m = l }
                if r < heap.count && Self.worse(heap[r], heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m); i = m
            }
        }
    }

    func sortedBestFirst() -> [ScoredItem] { heap.sorted { Self.worse($1, $0) } }
}

extension Recommender {
    /// Top-`k` items for `user`, excluding the user's items in `train` (the usual full-ranking protocol).
    /// `buffer` must hold `train.itemCount` floats; pass one per thread to avoid allocation.
    public func recommend(user: Int, k: Int, train: TrainingSet, buffer: UnsafeMutableBufferPointer<Float>) -> [ScoredItem] {
        score(user: user, into: buffer)
        let r = train.byUser.range(ofRow: user)
        return TopK.select(scores: UnsafeBufferPointer(buffer), k: k, excluded: train.byUser.columns[r])
    }

    public func recommend(user: Int, k: Int, train: TrainingSet) -> [ScoredItem] {
        var buffer = [Float](repeating: 0, count: train.itemCount)
        return buffer.withUnsafeMutableBufferPointer { recommend(user: user, k: k, train: train, buffer: $0) }
    }
}
