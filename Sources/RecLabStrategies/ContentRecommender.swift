import Foundation
import RecLabCore

/// Settings of `content`.
public struct ContentConfig: DeclaredParameters {
    /// Item weight in the user profile.
    public enum Weighting: String, CaseIterable, Sendable { case binary, rating, centered }

    public var weighting: Weighting
    public var tagWeight: Double
    public var minTagItems: Int

    public static let parameterDeclarations: [ParameterDeclaration<Self>] = [
        .choice("weighting", \.weighting, default: .centered,
                help: "item weight in the user profile: binary (1), rating (the value), or centered (rating − user mean)"),
        .double("tag_weight", \.tagWeight, default: 1, range: 0...1e6, help: "multiplier of tag features relative to genres (0 = genres only)"),
        .int("min_tag_items", \.minTagItems, default: 2, range: 1...Int(Int32.max), help: "ignore tags applied to fewer distinct items"),
    ]

    public init(reading v: DeclaredValues<Self>) {
        weighting = v[\.weighting]; tagWeight = v[\.tagWeight]; minTagItems = v[\.minTagItems]
    }
}

/// Content-based ranking from genres and tags (Pazzani and Billsus, "Content-based recommendation systems",
/// The Adaptive Web, 2007; Lops, de Gemmis and Semeraro, "Content-based recommender systems: state of the art
/// and trends", Recommender Systems Handbook, 2011).
///
/// Item profiles are TF-IDF vectors over the item's genres and tags (Salton and Buckley 1988 weighting):
/// genre tf = 1, tag tf = 1 + ln(times applied) (sublinear tf), idf = ln(N / df) with N the catalogue size
/// and df the number of items carrying the feature; tag features are scaled by `tag_weight`, tags on fewer
/// than `min_tag_items` items are dropped (they cannot relate two items), and each vector is L2-normalised.
/// A user's profile is the weighted sum p_u = Σ_{i ∈ I_u} w_ui v_i of their training items' vectors
/// (`weighting`: 1, the rating, or the rating minus the user's mean so disliked items push away; with implicit
/// feedback `centered` means 1), and an
/// item's score is the cosine p_u · v_j / ‖p_u‖. Items without features score 0; users without training items
/// (or with a zero profile) get the popularity ranking.
///
/// Cost: fit O(tags + genres + items); ranking O(Σ_{f ∈ p_u} df_f) per user (the items sharing a feature).
// @unchecked Sendable: the fitted state is written only by `fit`, before the strategy is shared; `score` and
// `predict` only read it (the Recommender contract), so concurrent scoring needs no lock.
public final class ContentRecommender: Recommender, @unchecked Sendable {
    public static let typeName = "content"
    public static let summary = "content-based: TF-IDF genre and tag profiles, cosine to the user's profile (Pazzani & Billsus 2007)"

    typealias Weighting = ContentConfig.Weighting

    public let config: ContentConfig
    private var weighting: Weighting { config.weighting }
    private var tagWeight: Float { Float(config.tagWeight) }
    private var minTagItems: Int { config.minTagItems }
    private var train: TrainingSet?
    /// Item → (feature, weight), and feature → (item, weight), unit-length item vectors.
    private var itemFeatures = SparseMatrix(rowCount: 0, columnCount: 0, rowStart: [0], columns: [], values: [])
    private var featureItems = SparseMatrix(rowCount: 0, columnCount: 0, rowStart: [0], columns: [], values: [])
    private var popularity: [Float] = []
    /// Feature names (genres, then `tag:` names), for inspection.
    public private(set) var featureNames: [String] = []

    public init(parameters: Parameters) throws {
        config = try ContentConfig(parameters, owner: Self.typeName)
    }

    public func fit(_ train: TrainingSet, context: FitContext) throws {
        let data = train.dataset
        let n = data.itemCount
        let genreCount = data.genreNames.count
        // Tag vocabulary, sorted so feature numbering depends only on the data.
        var tagItems = [String: Int]()
        var perItemTags = [[String: Int]](repeating: [:], count: n)
        for i in 0..<n {
            for t in data.itemTags[i] { perItemTags[i][t, default: 0] += 1 }
            for t in perItemTags[i].keys { tagItems[t, default: 0] += 1 }
        }
        let tags = tagWeight > 0 ? tagItems.filter { $0.value >= minTagItems }.keys.sorted() : []
        let tagIndex = Dictionary(uniqueKeysWithValues: tags.enumerated().map { ($1, Int32(genreCount + $0)) })
        featureNames = data.genreNames + tags.map { "tag:\($0)" }

        var genreDF = [Int](repeating: 0, count: genreCount)
        for g in data.itemGenres { for x in Set(g) { genreDF[Int(x)] += 1 } }
        let logN = Float(Foundation.log(Double(max(n, 1))))
        var rows = [Int32](), cols = [Int32](), vals = [Float]()
        for i in 0..<n {
            var entries = [(Int32, Float)]()
            for g in Set(data.itemGenres[i]).sorted() {
                entries.append((g, logN - Float(Foundation.log(Double(genreDF[Int(g)])))))
            }
            for (t, count) in perItemTags[i] {
                guard let f = tagIndex[t] else { continue }
                let idf = logN - Float(Foundation.log(Double(tagItems[t]!)))
                entries.append((f, tagWeight * (1 + Float(Foundation.log(Double(count)))) * idf))
            }
            var norm: Float = 0
            for e in entries { norm += e.1 * e.1 }
            norm = norm.squareRoot()
            guard norm > 0 else { continue }
            for e in entries {
                rows.append(Int32(i)); cols.append(e.0); vals.append(e.1 / norm)
            }
        }
        itemFeatures = SparseMatrix(rowCount: n, columnCount: featureNames.count, rows: rows, cols: cols, vals: vals)
        featureItems = itemFeatures.transposed()
        popularity = itemInteractionCounts(train)
        self.train = train
    }

    /// The unit TF-IDF vector of `item` as (feature name, weight), for inspection and tests.
    public func profile(of item: Int) -> [String: Float] {
        var out = [String: Float]()
        for k in itemFeatures.range(ofRow: item) { out[featureNames[Int(itemFeatures.columns[k])]] = itemFeatures.values[k] }
        return out
    }

    public func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        guard let train else { requireFitted(false, Self.typeName); return }
        let r = train.byUser.range(ofRow: user)
        if r.isEmpty { copyScores(popularity, into: scores); return }
        // Counts of implicit feedback are mostly 1, so centring would erase the profile: use 0/1 weights there.
        let effectiveWeighting = train.feedback == .implicit && weighting == .centered ? .binary : weighting
        var mean: Float = 0
        for k in r { mean += train.byUser.values[k] }
        mean /= Float(r.count)
        var profile = [Float](repeating: 0, count: featureNames.count)
        for k in r {
            let i = Int(train.byUser.columns[k]), x = train.byUser.values[k]
            let w: Float
            switch effectiveWeighting {
            case .binary: w = 1
            case .rating: w = x
            case .centered: w = x - mean
            }
            if w == 0 { continue }
            for m in itemFeatures.range(ofRow: i) { profile[Int(itemFeatures.columns[m])] += w * itemFeatures.values[m] }
        }
        var norm: Float = 0
        for p in profile { norm += p * p }
        norm = norm.squareRoot()
        guard norm > 0 else { copyScores(popularity, into: scores); return }
        for j in 0..<scores.count { scores[j] = 0 }
        for f in 0..<profile.count where profile[f] != 0 {
            let p = profile[f] / norm
            for m in featureItems.range(ofRow: f) { scores[Int(featureItems.columns[m])] += p * featureItems.values[m] }
        }
    }
}
