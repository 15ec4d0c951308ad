import Foundation

/// A dataset in memory with dense indices: users `0..<userCount` ordered by pseudonym, items
/// `0..<itemCount` ordered by movie id, interactions as columns sorted by (user, timestamp, item).
/// The order depends only on the content, so every run of an experiment sees the same indices.
public final class Dataset: @unchecked Sendable {
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
        var userIndexByStoreId = [Int64: Int32](minimumCapacity: sortedUsers.count)
        var byKey = [String: Int32](minimumCapacity: sortedUsers.count)
        for (i, u) in sortedUsers.enumerated() { userIndexByStoreId[u.id] = Int32(i); byKey[u.pseudonym] = Int32(i) }
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

        // Sort interactions by (user, timestamp, item) through a permutation of dense keys.
        let n = content.interactions.count
        var u = [Int32](repeating: 0, count: n), it = [Int32](repeating: 0, count: n), ts = [Int64](repeating: 0, count: n)
        for (k, r) in content.interactions.enumerated() {
            guard let ui = userIndexByStoreId[r.userId], let ii = byId[r.movieId] else {
                preconditionFailure("interaction names an unknown user \(r.userId) or movie \(r.movieId)")
            }
            u[k] = ui; it[k] = ii; ts[k] = r.timestamp
        }
        let order = (0..<n).sorted { a, b in
            if u[a] != u[b] { return u[a] < u[b] }
            if ts[a] != ts[b] { return ts[a] < ts[b] }
            return it[a] < it[b]
        }
        users = order.map { u[$0] }
        items = order.map { it[$0] }
        timestamps = order.map { ts[$0] }
        ratings = order.map { content.interactions[$0].rating ?? .nan }
        watchSeconds = order.map { content.interactions[$0].watchSeconds ?? .nan }
        completion = order.map { content.interactions[$0].completion ?? .nan }
        ratingCount = content.interactions.reduce(0) { $0 + ($1.rating == nil ? 0 : 1) }

        var start = [Int](repeating: 0, count: sortedUsers.count + 1)
        for x in users { start[Int(x) + 1] += 1 }
        for i in 0..<sortedUsers.count { start[i + 1] += start[i] }
        userStart = start
    }

    /// True when every interaction carries an explicit rating (MovieLens); false for viewing logs.
    public var isFullyRated: Bool { ratingCount == interactionCount }
}
