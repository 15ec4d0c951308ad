import Foundation

/// A dataset in memory with dense indices: users `0..<userCount` ordered by pseudonym, items
/// `0..<itemCount` ordered by movie id, interactions as columns sorted by (user, timestamp, item).
/// The order depends only on the content, so every run of an experiment sees the same indices.
public final class Dataset: Sendable {
    public let name: String
    public let source: String
    public let contentHash: String

    /// Pseudonym of each dense user.
    public let userKeys: [String]
    /// Store id of each dense user.
    public let userStoreIds: [Int64]
    /// Movie of each dense item.
    public let movies: [MovieRecord]
    /// All genre names, sorted; `itemGenres[i]` indexes into it.
    public let genreNames: [String]
    public let itemGenres: [[Int32]]
    /// Lower-cased tags applied to each item (with repetition: the count carries weight).
    public let itemTags: [[String]]

    /// Interaction columns, one entry per interaction.
    public let users: [Int32]
    public let items: [Int32]
    public let timestamps: [Int64]
    /// Explicit rating, NaN when the interaction has none.
    public let ratings: [Float]
    /// Seconds watched and completion fraction, NaN when not a viewing event.
    public let watchSeconds: [Float]
    public let completion: [Float]
    /// `userStart[u] ..< userStart[u+1]` are user u's interactions, in time order.
    public let userStart: [Int]

    public let artifacts: [String: Data]

    public var userCount: Int { userKeys.count }
    public var itemCount: Int { movies.count }
    public var interactionCount: Int { users.count }
    /// Count of interactions that carry an explicit rating.
    public let ratingCount: Int

    private let itemIndexById: [Int64: Int32]
    private let userIndexByKey: [String: Int32]

    public func itemIndex(movieId: Int64) -> Int32? { itemIndexById[movieId] }
    public func userIndex(pseudonym: String) -> Int32? { userIndexByKey[pseudonym] }

    /// Builds the dense form. `contentHash` may be given when already known (loaded from a store).
    /// Interactions that name unknown users or movies are a programming error of the producer
    /// (importers validate first) and trap.
    public init(content: DatasetContent, contentHash: String? = nil) {
        name = content.name
        source = content.source
        self.contentHash = contentHash ?? ContentHash.compute(content)
        artifacts = content.artifacts

        let sortedUsers = content.users.sorted { $0.pseudonym < $1.pseudonym }
        userKeys = sortedUsers.map(\.pseudonym)
        userStoreIds = sortedUsers.map(\.id)
        var byKey = [String: Int32](minimumCapacity: sortedUsers.count)
        for (i, u) in sortedUsers.enumerated() { byKey[u.pseudonym] = Int32(i) }
        userIndexByKey = byKey

        movies = content.movies.sorted { $0.id < $1.id }
        var byId = [Int64: Int32](minimumCapacity: movies.count)
        for (i, m) in movies.enumerated() { byId[m.id] = Int32(i) }
        itemIndexById = byId

        let genres = Set(movies.flatMap(\.genres)).filter { $0 != "(no genres listed)" }.sorted()
        genreNames = genres
        let genreIndex = Dictionary(uniqueKeysWithValues: genres.enumerated().map { ($1, Int32($0)) })
        itemGenres = movies.map { m in m.genres.compactMap { genreIndex[$0] } }

        var tagsPerItem = [[String]](repeating: [], count: movies.count)
        for t in content.tags { if let i = byId[t.movieId] { tagsPerItem[Int(i)].append(t.tag.lowercased()) } }
        itemTags = tagsPerItem

        // Sort interactions by (user, timestamp, item, then input position) through a permutation: a
        // counting sort by user (O(N)), then each user's rows sorted by time only when not already in
        // order. O(N + sum of n_u log n_u), and O(N) for logs that are already time-ordered per user.
        let n = content.interactions.count
        var u = [Int32](repeating: 0, count: n), it = [Int32](repeating: 0, count: n), ts = [Int64](repeating: 0, count: n)
        let userLookup = DenseLookup(keys: sortedUsers.map(\.id))
        let itemLookup = DenseLookup(keys: movies.map(\.id))
        content.interactions.withUnsafeBufferPointer { rows in
            for k in 0..<n {
                let r = rows[k]
                guard let ui = userLookup.index(r.userId), let ii = itemLookup.index(r.movieId) else {
                    preconditionFailure("interaction names an unknown user \(r.userId) or movie \(r.movieId)")
                }
                u[k] = ui; it[k] = ii; ts[k] = r.timestamp
            }
        }
        var start = [Int](repeating: 0, count: sortedUsers.count + 1)
        for x in u { start[Int(x) + 1] += 1 }
        for i in 0..<sortedUsers.count { start[i + 1] += start[i] }
        var fill = start
        var order = [Int](repeating: 0, count: n)
        for k in 0..<n { order[fill[Int(u[k])]] = k; fill[Int(u[k])] += 1 }
        ts.withUnsafeBufferPointer { ts in
            it.withUnsafeBufferPointer { it in
                @inline(__always) func less(_ a: Int, _ b: Int) -> Bool {
                    if ts[a] != ts[b] { return ts[a] < ts[b] }
                    if it[a] != it[b] { return it[a] < it[b] }
                    return a < b
                }
                for user in 0..<sortedUsers.count {
                    let range = start[user]..<start[user + 1]
                    guard range.count > 1 else { continue }
                    var sorted = true
                    for k in range.dropFirst() where !less(order[k - 1], order[k]) { sorted = false; break }
                    if !sorted { order[range].sort(by: less) }
                }
            }
        }
        users = order.map { u[$0] }
        items = order.map { it[$0] }
        timestamps = order.map { ts[$0] }
        var r = [Float](repeating: .nan, count: n), w = r, c = r
        content.interactions.withUnsafeBufferPointer { rows in
            for (k, i) in order.enumerated() {
                let row = rows[i]
                if let v = row.rating { r[k] = v }
                if let v = row.watchSeconds { w[k] = v }
                if let v = row.completion { c[k] = v }
            }
        }
        ratings = r
        watchSeconds = w
        completion = c
        ratingCount = content.interactions.reduce(0) { $0 + ($1.rating == nil ? 0 : 1) }

        userStart = start
    }

    /// True when every interaction carries an explicit rating (MovieLens); false for viewing logs.
    public var isFullyRated: Bool { ratingCount == interactionCount }
}

/// Key -> position in a list of unique keys: a flat table when the keys are small non-negative
/// integers (store ids, MovieLens movie ids), a dictionary otherwise. Later duplicates win, like a
/// dictionary filled in order.
struct DenseLookup {
    private var flat: [Int32] = []
    private var map: [Int64: Int32] = [:]
    private var isFlat = false

    init(keys: [Int64]) {
        let lo = keys.min() ?? 0, hi = keys.max() ?? 0
        if lo >= 0 && hi < Int64(8 * keys.count + 4096) {
            isFlat = true
            flat = [Int32](repeating: -1, count: Int(hi) + 1)
            for (i, k) in keys.enumerated() { flat[Int(k)] = Int32(i) }
        } else {
            for (i, k) in keys.enumerated() { map[k] = Int32(i) }
        }
    }

    @inline(__always)
    func index(_ key: Int64) -> Int32? {
        if isFlat {
            guard key >= 0 && key < Int64(flat.count) else { return nil }
            let v = flat[Int(key)]
            return v >= 0 ? v : nil
        }
        return map[key]
    }
}
