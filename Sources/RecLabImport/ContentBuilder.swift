import RecLabCore

/// Collects what the format readers parse (movies, users by external id, ratings and tags as columns)
/// and turns it into a `DatasetContent`: pseudonymised users with store ids dense from 1 (in pseudonym
/// order, so a store id says nothing about the external id), duplicates removed with a counted warning,
/// and rows in canonical order (user, movie, timestamp), which is also the order `ContentHash` hashes in.
struct ContentBuilder {
    // Movies, sorted by id once all are read; `movieIndex` maps an id to its position.
    private(set) var movies: [MovieRecord] = []
    private(set) var movieIndex = DenseIdIndex()

    // Users by external id; `usersListed` when a users file named them all (ratings must then use them).
    private(set) var userIndex = DenseIdIndex()
    private var demographics: [[String: String]] = []
    private(set) var usersListed = false

    // Ratings as columns (row = file order).
    private(set) var ratingUser: [Int32] = []
    private(set) var ratingMovie: [Int32] = []
    private(set) var ratingTime: [Int64] = []
    private(set) var ratingValue: [Float] = []
    private(set) var ratingLine: [Int32] = []
    var ratingsFile = ""

    // Tags as columns.
    private var tagUser: [Int32] = []
    private var tagMovie: [Int32] = []
    private var tagTime: [Int64] = []
    private var tagText: [String] = []
    private var tagLine: [Int32] = []
    var tagsFile = ""

    private(set) var warnings: [String] = []
    private(set) var duplicateRatings = 0
    private(set) var duplicateTags = 0
    /// (user, movie) pairs with ratings at more than one time (all kept).
    private(set) var reratedRatingPairs = 0

    var ratingCount: Int { ratingUser.count }
    var tagCount: Int { tagUser.count }

    // MARK: movies

    /// Sets the movies (any order); duplicate ids are an input error naming both lines.
    mutating func setMovies(_ list: [MovieRecord], lines: [Int], file: String) throws {
        let order = list.indices.sorted { list[$0].id < list[$1].id }
        movies = order.map { list[$0] }
        movieIndex = DenseIdIndex()
        for (k, i) in order.enumerated() {
            if k > 0 && list[order[k - 1]].id == list[i].id {
                let (a, b) = (min(lines[order[k - 1]], lines[i]), max(lines[order[k - 1]], lines[i]))
                throw RecLabError.input("duplicate movie id \(list[i].id) (first listed on line \(a))", file: file, line: b)
            }
            _ = movieIndex.insert(list[i].id)
        }
    }

    /// Attaches IMDb/TMDb ids (links.csv).
    mutating func setLinks(movie: Int32, imdb: String?, tmdb: String?) {
        movies[Int(movie)].imdbId = imdb
        movies[Int(movie)].tmdbId = tmdb
    }

    @inline(__always)
    func movie(_ id: Int64, reader: RecordReader, field: String) throws -> Int32 {
        guard let m = movieIndex.index(of: id) else {
            throw reader.error("unknown movie id \(id) in column '\(field)' (not in the movies file)")
        }
        return m
    }

    // MARK: users

    /// Adds a user from a users file (u.user, users.dat). Duplicate ids are an error.
    mutating func listUser(_ id: Int64, demographics demo: [String: String], reader: RecordReader) throws {
        usersListed = true
        let (_, inserted) = userIndex.insert(id)
        guard inserted else { throw reader.error("duplicate user id \(id)") }
        demographics.append(demo)
    }

    /// The user of a rating or tag: must be listed when a users file exists, else added on first sight.
    @inline(__always)
    mutating func user(_ id: Int64, reader: RecordReader) throws -> Int32 {
        if usersListed {
            guard let u = userIndex.index(of: id) else { throw reader.error("unknown user id \(id) (not in the users file)") }
            return u
        }
        let (u, inserted) = userIndex.insert(id)
        if inserted { demographics.append([:]) }
        return u
    }

    // MARK: rows

    mutating func reserveRatings(_ n: Int) {
        ratingUser.reserveCapacity(n); ratingMovie.reserveCapacity(n); ratingTime.reserveCapacity(n)
        ratingValue.reserveCapacity(n); ratingLine.reserveCapacity(n)
    }

    @inline(__always)
    mutating func addRating(user: Int32, movie: Int32, time: Int64, rating: Float, line: Int) {
        ratingUser.append(user); ratingMovie.append(movie); ratingTime.append(time)
        ratingValue.append(rating); ratingLine.append(Int32(truncatingIfNeeded: line))
    }

    mutating func addTag(user: Int32, movie: Int32, time: Int64, tag: String, line: Int) {
        tagUser.append(user); tagMovie.append(movie); tagTime.append(time); tagText.append(tag)
        tagLine.append(Int32(truncatingIfNeeded: line))
    }

    // MARK: finishing

    /// Builds the content. O(R + M + U log U + T log T) for R ratings, M movies, U users, T tags:
    /// ratings are ordered by counting sorts in linear time.
    mutating func finish(name: String, source: String, pseudonymizer: Pseudonymizer,
                         keepDemographics: Bool) throws -> DatasetContent {
        // Users: pseudonym, then store ids 1... in pseudonym order.
        let userCount = userIndex.count
        let pseudonyms = userIndex.ids.map { pseudonymizer.pseudonym(for: String($0)) }
        let byPseudonym = (0..<userCount).sorted { pseudonyms[$0] < pseudonyms[$1] }
        var storeIndex = [Int32](repeating: 0, count: userCount) // local -> 0-based store position
        var users: [UserRecord] = []
        users.reserveCapacity(userCount)
        for (rank, local) in byPseudonym.enumerated() {
            if rank > 0 && pseudonyms[byPseudonym[rank - 1]] == pseudonyms[local] {
                throw RecLabError.data("two user ids map to the same pseudonym; choose another RECLAB_PSEUDONYM_KEY")
            }
            storeIndex[local] = Int32(rank)
            users.append(UserRecord(id: Int64(rank + 1), pseudonym: pseudonyms[local],
                                    demographics: keepDemographics ? demographics[local] : [:]))
        }

        let interactions = canonicalRatings(storeIndex: storeIndex, userCount: userCount)
        let tags = canonicalTags(storeIndex: storeIndex)
        return DatasetContent(name: name, source: source, movies: movies, users: users,
                              interactions: interactions, tags: tags, warnings: warnings)
    }

    /// Ratings in (store user, movie id, timestamp) order, the first of each duplicate kept.
    ///
    /// Two stable counting sorts (by movie, then by user) put rows in (user, movie, file order) in
    /// O(N + U + M) whatever the input order; only runs of the same (user, movie), nearly always a
    /// single row, are then ordered by time.
    private mutating func canonicalRatings(storeIndex: [Int32], userCount: Int) -> [InteractionRecord] {
        let n = ratingUser.count
        let movieCount = movies.count
        let movieIds = movies.map(\.id)
        var out: [InteractionRecord] = []
        out.reserveCapacity(n)
        var duplicates = 0
        var firstDuplicateLine = Int32.max
        // (user, movie) pairs rated at several different times: kept (each rating is an event), but said.
        var reratedPairs = 0, reratings = 0
        var firstRerating = Int32.max

        ratingUser.withUnsafeBufferPointer { user in
        ratingMovie.withUnsafeBufferPointer { movie in
        ratingTime.withUnsafeBufferPointer { time in
        ratingValue.withUnsafeBufferPointer { value in
        ratingLine.withUnsafeBufferPointer { line in
            // Pass 1: rows by movie (stable).
            var movieStart = [Int](repeating: 0, count: movieCount + 1)
            for r in 0..<n { movieStart[Int(movie[r]) + 1] += 1 }
            for m in 0..<movieCount { movieStart[m + 1] += movieStart[m] }
            var byMovie = [Int32](repeating: 0, count: n)
            for r in 0..<n {
                let m = Int(movie[r])
                byMovie[movieStart[m]] = Int32(r)
                movieStart[m] += 1
            }
            // Pass 2: those rows by store user (stable): (user, movie, file order).
            var userStart = [Int](repeating: 0, count: userCount + 1)
            for r in 0..<n { userStart[Int(storeIndex[Int(user[r])]) + 1] += 1 }
            for u in 0..<userCount { userStart[u + 1] += userStart[u] }
            var order = [Int32](repeating: 0, count: n)
            for r in byMovie {
                let u = Int(storeIndex[Int(user[Int(r)])])
                order[userStart[u]] = r
                userStart[u] += 1
            }
            byMovie = []

            var k = 0
            while k < n {
                // The run of rows with the same user and movie as row order[k].
                let first = Int(order[k])
                let u = storeIndex[Int(user[first])], m = movie[first]
                var end = k + 1
                while end < n && movie[Int(order[end])] == m && storeIndex[Int(user[Int(order[end])])] == u { end += 1 }
                if end - k > 1 {
                    // Insertion sort by (time, file row): runs are tiny.
                    for a in (k + 1)..<end {
                        let row = order[a]
                        var b = a
                        while b > k && (time[Int(order[b - 1])], order[b - 1]) > (time[Int(row)], row) {
                            order[b] = order[b - 1]
                            b -= 1
                        }
                        order[b] = row
                    }
                }
                var previousTime: Int64? = nil
                var times = 0
                for a in k..<end {
                    let r = Int(order[a])
                    if previousTime == time[r] {
                        duplicates += 1
                        firstDuplicateLine = min(firstDuplicateLine, line[r])
                        continue
                    }
                    previousTime = time[r]
                    times += 1
                    if times > 1 { reratings += 1; firstRerating = min(firstRerating, line[r]) }
                    out.append(InteractionRecord(userId: Int64(u) + 1, movieId: movieIds[Int(m)], timestamp: time[r], rating: value[r]))
                }
                if times > 1 { reratedPairs += 1 }
                k = end
            }
        }}}}}
        duplicateRatings = duplicates
        reratedRatingPairs = reratedPairs
        if duplicates > 0 {
            warnings.append("\(ratingsFile): \(duplicates) duplicate (user, movie, timestamp) rating row(s) dropped, the first of each kept (first duplicate on line \(firstDuplicateLine))")
        }
        if reratedPairs > 0 {
            warnings.append("\(ratingsFile): \(reratedPairs) (user, movie) pair(s) rated again at a different time (\(reratings) later rating row(s)); all ratings are kept as separate interactions (first re-rating on line \(firstRerating))")
        }
        return out
    }

    /// Tags in (store user, movie id, timestamp, tag) order; exact duplicates (same user, movie,
    /// timestamp and text) keep the first.
    private mutating func canonicalTags(storeIndex: [Int32]) -> [TagRecord] {
        let order = tagUser.indices.sorted { a, b in
            let (ua, ub) = (storeIndex[Int(tagUser[a])], storeIndex[Int(tagUser[b])])
            if ua != ub { return ua < ub }
            if tagMovie[a] != tagMovie[b] { return tagMovie[a] < tagMovie[b] }
            if tagTime[a] != tagTime[b] { return tagTime[a] < tagTime[b] }
            if tagText[a] != tagText[b] { return tagText[a] < tagText[b] }
            return a < b
        }
        var out: [TagRecord] = []
        out.reserveCapacity(order.count)
        var duplicates = 0
        var firstDuplicateLine = Int32.max
        for (k, i) in order.enumerated() {
            if k > 0 {
                let p = order[k - 1]
                if tagUser[p] == tagUser[i] && tagMovie[p] == tagMovie[i] && tagTime[p] == tagTime[i] && tagText[p] == tagText[i] {
                    duplicates += 1
                    firstDuplicateLine = min(firstDuplicateLine, tagLine[i])
                    continue
                }
            }
            out.append(TagRecord(userId: Int64(storeIndex[Int(tagUser[i])]) + 1, movieId: movies[Int(tagMovie[i])].id,
                                 tag: tagText[i], timestamp: tagTime[i]))
        }
        duplicateTags = duplicates
        if duplicates > 0 {
            warnings.append("\(tagsFile): \(duplicates) duplicate (user, movie, timestamp, tag) tag row(s) dropped, the first of each kept (first duplicate on line \(firstDuplicateLine))")
        }
        return out
    }
}

/// Year from a MovieLens title's trailing `(1995)` (also `(1975-1979)` or `(2006–2007)` ranges: the first
/// year), ignoring trailing spaces. Nil when the title carries no year.
func yearFromTitle(_ title: String) -> Int? {
    let u = Array(title.utf8)
    var end = u.count
    while end > 0 && u[end - 1] == 0x20 { end -= 1 }
    guard end >= 6, u[end - 1] == 0x29 else { return nil }
    guard let open = u[..<(end - 1)].lastIndex(of: 0x28), end - 1 - open >= 5 else { return nil }
    var year = 0
    for k in (open + 1)...(open + 4) {
        let d = u[k] &- 0x30
        guard d < 10 else { return nil }
        year = year * 10 + Int(d)
    }
    let rest = u[(open + 5)..<(end - 1)]
    // Nothing more, or a range: '-' or an en dash (E2 80 93) then anything.
    if rest.isEmpty || rest.first == 0x2D || rest.starts(with: [0xE2, 0x80, 0x93]) { return year }
    return nil
}
