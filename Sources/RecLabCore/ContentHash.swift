import Foundation

/// `content_hash`: SHA-256 over the dataset's content in a canonical order, so equal data gives an
/// equal hash whatever order the files listed it in and whatever store ids were assigned.
///
/// Canonical order: movies by id; users by pseudonym; interactions and tags by (user pseudonym,
/// movie id, timestamp, then the remaining fields); artifacts by name. Store ids never enter the hash,
/// users are referred to by pseudonym. Optional values are tagged so `nil` differs from any value.
public enum ContentHash {
    public static func compute(_ content: DatasetContent) -> String {
        var sha = SHA256()
        sha.update("reclab-content-v1\n")

        let movies = content.movies.sorted { $0.id < $1.id }
        sha.update(integer: Int64(movies.count))
        for m in movies {
            sha.update(integer: m.id)
            field(&sha, m.title)
            optional(&sha, m.year.map { Int64($0) })
            field(&sha, m.genres.joined(separator: "|"))
            optionalString(&sha, m.imdbId)
            optionalString(&sha, m.tmdbId)
            optional(&sha, m.releaseTimestamp)
        }

        // Rank users by pseudonym so later sorts compare integers, not strings.
        let users = content.users.sorted { $0.pseudonym < $1.pseudonym }
        var rankOf = [Int64: Int64](minimumCapacity: users.count)
        for (rank, u) in users.enumerated() { rankOf[u.id] = Int64(rank) }
        sha.update(integer: Int64(users.count))
        for u in users {
            field(&sha, u.pseudonym)
            for key in u.demographics.keys.sorted() { field(&sha, key); field(&sha, u.demographics[key]!) }
            field(&sha, "")
        }

        func rank(_ id: Int64) -> Int64 { rankOf[id] ?? (Int64.min + id) }
        let interactions = content.interactions.map { r -> (Int64, InteractionRecord) in (rank(r.userId), r) }
            .sorted { a, b in
                if a.0 != b.0 { return a.0 < b.0 }
                if a.1.movieId != b.1.movieId { return a.1.movieId < b.1.movieId }
                if a.1.timestamp != b.1.timestamp { return a.1.timestamp < b.1.timestamp }
                return key(a.1.rating) < key(b.1.rating)
                    || (key(a.1.rating) == key(b.1.rating) && key(a.1.watchSeconds) < key(b.1.watchSeconds))
            }
        sha.update(integer: Int64(interactions.count))
        for (r, i) in interactions {
            sha.update(integer: r)
            sha.update(integer: i.movieId)
            sha.update(integer: i.timestamp)
            optionalFloat(&sha, i.rating)
            optionalFloat(&sha, i.watchSeconds)
            optionalFloat(&sha, i.completion)
        }

        let tags = content.tags.map { (rank($0.userId), $0) }.sorted { a, b in
            if a.0 != b.0 { return a.0 < b.0 }
            if a.1.movieId != b.1.movieId { return a.1.movieId < b.1.movieId }
            if a.1.timestamp != b.1.timestamp { return a.1.timestamp < b.1.timestamp }
            return a.1.tag < b.1.tag
        }
        sha.update(integer: Int64(tags.count))
        for (r, t) in tags {
            sha.update(integer: r); sha.update(integer: t.movieId); sha.update(integer: t.timestamp); field(&sha, t.tag)
        }

        for name in content.artifacts.keys.sorted() {
            field(&sha, name)
            let data = content.artifacts[name]!
            sha.update(integer: Int64(data.count))
            sha.update(data)
        }
        return sha.finalize().hexString
    }

    private static func key(_ v: Float?) -> Float { v ?? -.infinity }

    private static func field(_ sha: inout SHA256, _ s: String) {
        sha.update(integer: Int64(s.utf8.count))
        sha.update(s)
    }

    private static func optionalString(_ sha: inout SHA256, _ s: String?) {
        if let s { sha.update(integer: UInt8(1)); field(&sha, s) } else { sha.update(integer: UInt8(0)) }
    }

    private static func optional(_ sha: inout SHA256, _ v: Int64?) {
        if let v { sha.update(integer: UInt8(1)); sha.update(integer: v) } else { sha.update(integer: UInt8(0)) }
    }

    private static func optionalFloat(_ sha: inout SHA256, _ v: Float?) {
        if let v { sha.update(integer: UInt8(1)); sha.update(float: v) } else { sha.update(integer: UInt8(0)) }
    }
}
