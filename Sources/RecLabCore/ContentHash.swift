import Foundation

/// `content_hash`: SHA-256 over the dataset's content in a canonical order, so equal data gives an
/// equal hash whatever order the files listed it in and whatever store ids were assigned.
///
/// Canonical order: movies by id; users by pseudonym; interactions and tags by (user pseudonym,
/// movie id, timestamp, then the remaining fields); artifacts by name. Store ids never enter the hash,
/// users are referred to by pseudonym. Optional values are tagged so `nil` differs from any value.
///
/// Byte stream (all integers little-endian): "reclab-content-v1\n"; movie count, then per movie id, title,
/// year?, genres joined by "|", imdb?, tmdb?, release?; user count, then per user pseudonym and sorted
/// demographic key/value pairs closed by ""; interaction count, then per row user rank, movie, timestamp,
/// rating?, watch?, completion? (Float bit patterns); tag count, then per tag user rank, movie, timestamp,
/// text; per artifact name, byte count, bytes. A string is its UTF-8 length (Int64) then its bytes; an
/// optional is a 0 byte, or a 1 byte then the value.
///
/// Complexity: O(N) when rows are already in canonical order (importers write them so), else
/// O(N log N) for the sort of an index permutation; the bytes are staged and hashed in 64 KiB chunks.
public enum ContentHash {
    public static func compute(_ content: DatasetContent) -> String {
        let out = HashStream()
        out.string("reclab-content-v1\n", lengthPrefixed: false)

        let movies = isSorted(content.movies, by: { $0.id < $1.id }) ? content.movies : content.movies.sorted { $0.id < $1.id }
        out.int64(Int64(movies.count))
        for m in movies {
            out.int64(m.id)
            out.string(m.title)
            out.optional(m.year.map { Int64($0) })
            out.string(m.genres.joined(separator: "|"))
            out.optionalString(m.imdbId)
            out.optionalString(m.tmdbId)
            out.optional(m.releaseTimestamp)
        }

        // Rank users by pseudonym so later sorts compare integers, not strings.
        let users = isSorted(content.users, by: { $0.pseudonym < $1.pseudonym })
            ? content.users : content.users.sorted { $0.pseudonym < $1.pseudonym }
        let ranks = UserRanks(users)
        out.int64(Int64(users.count))
        for u in users {
            out.string(u.pseudonym)
            for key in u.demographics.keys.sorted() { out.string(key); out.string(u.demographics[key]!) }
            out.string("")
        }

        content.interactions.withUnsafeBufferPointer { rows in
            let n = rows.count
            var rank = [Int64](repeating: 0, count: n)
            for k in 0..<n { rank[k] = ranks.rank(rows[k].userId) }
            rank.withUnsafeBufferPointer { rank in
                @inline(__always) func key(_ v: Float?) -> Float { v ?? -.infinity }
                @inline(__always) func less(_ a: Int, _ b: Int) -> Bool {
                    if rank[a] != rank[b] { return rank[a] < rank[b] }
                    let x = rows[a], y = rows[b]
                    if x.movieId != y.movieId { return x.movieId < y.movieId }
                    if x.timestamp != y.timestamp { return x.timestamp < y.timestamp }
                    if key(x.rating) != key(y.rating) { return key(x.rating) < key(y.rating) }
                    if key(x.watchSeconds) != key(y.watchSeconds) { return key(x.watchSeconds) < key(y.watchSeconds) }
                    if key(x.completion) != key(y.completion) { return key(x.completion) < key(y.completion) }
                    return a < b
                }
                var sorted = true
                for k in stride(from: 1, to: n, by: 1) where !less(k - 1, k) { sorted = false; break }
                var order: [Int32] = []
                if !sorted {
                    let userCount = Int64(users.count)
                    if rank.allSatisfy({ $0 >= 0 && $0 < userCount }) {
                        // Counting sort by rank (stable), then each user's rows sorted unless in order:
                        // O(N + sum of n_u log n_u) instead of a comparison sort of all N rows.
                        var start = [Int](repeating: 0, count: users.count + 1)
                        for r in rank { start[Int(r) + 1] += 1 }
                        for u in 0..<users.count { start[u + 1] += start[u] }
                        var fill = start
                        order = [Int32](repeating: 0, count: n)
                        for k in 0..<n { order[fill[Int(rank[k])]] = Int32(k); fill[Int(rank[k])] += 1 }
                        for u in 0..<users.count where start[u + 1] - start[u] > 1 {
                            let range = start[u]..<start[u + 1]
                            var inOrder = true
                            for k in range.dropFirst() where !less(Int(order[k - 1]), Int(order[k])) { inOrder = false; break }
                            if !inOrder { order[range].sort { less(Int($0), Int($1)) } }
                        }
                    } else {
                        // Rows naming users the list lacks: a plain comparison sort.
                        order = (0..<Int32(n)).map { $0 }
                        order.sort { less(Int($0), Int($1)) }
                    }
                }
                out.int64(Int64(n))
                for k in 0..<n {
                    let i = sorted ? k : Int(order[k])
                    let r = rows[i]
                    out.int64(rank[i])
                    out.int64(r.movieId)
                    out.int64(r.timestamp)
                    out.optionalFloat(r.rating)
                    out.optionalFloat(r.watchSeconds)
                    out.optionalFloat(r.completion)
                }
            }
        }

        let tags = content.tags.map { (ranks.rank($0.userId), $0) }.sorted { a, b in
            if a.0 != b.0 { return a.0 < b.0 }
            if a.1.movieId != b.1.movieId { return a.1.movieId < b.1.movieId }
            if a.1.timestamp != b.1.timestamp { return a.1.timestamp < b.1.timestamp }
            return a.1.tag < b.1.tag
        }
        out.int64(Int64(tags.count))
        for (r, t) in tags {
            out.int64(r); out.int64(t.movieId); out.int64(t.timestamp); out.string(t.tag)
        }

        for name in content.artifacts.keys.sorted() {
            out.string(name)
            let data = content.artifacts[name]!
            out.int64(Int64(data.count))
            data.withUnsafeBytes { out.raw($0) }
        }
        return out.finish()
    }

    private static func isSorted<T>(_ a: [T], by less: (T, T) -> Bool) -> Bool {
        for k in stride(from: 1, to: a.count, by: 1) where less(a[k], a[k - 1]) { return false }
        return true
    }

    /// Store id -> rank of the user's pseudonym; ids unknown to the user list rank as `Int64.min + id`.
    /// A flat array when ids are small and dense (always, for stores this project writes), else a dictionary.
    private struct UserRanks {
        private var flat: [Int64] = []
        private var flatKnown: [Bool] = []
        private var map: [Int64: Int64] = [:]

        init(_ sorted: [UserRecord]) {
            let maxId = sorted.map(\.id).max() ?? 0
            let minId = sorted.map(\.id).min() ?? 0
            if minId >= 0 && maxId < Int64(4 * sorted.count + 1024) {
                flat = [Int64](repeating: 0, count: Int(maxId) + 1)
                flatKnown = [Bool](repeating: false, count: Int(maxId) + 1)
                for (rank, u) in sorted.enumerated() { flat[Int(u.id)] = Int64(rank); flatKnown[Int(u.id)] = true }
            } else {
                map = Dictionary(sorted.enumerated().map { ($1.id, Int64($0)) }, uniquingKeysWith: { $1 })
            }
        }

        @inline(__always)
        func rank(_ id: Int64) -> Int64 {
            if !flat.isEmpty {
                if id >= 0 && id < Int64(flat.count) && flatKnown[Int(id)] { return flat[Int(id)] }
                return Int64.min + id
            }
            return map[id] ?? (Int64.min + id)
        }
    }
}

/// Stages the hashed bytes in a 64 KiB buffer and feeds SHA-256 whole chunks: per-value hashing calls
/// would cost more than the hashing itself.
private final class HashStream {
    private var sha = SHA256()
    private let capacity = 1 << 16
    private let buffer: UnsafeMutableRawPointer
    private var used = 0

    init() { buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 16, alignment: 16) }
    deinit { buffer.deallocate() }

    @inline(__always)
    private func ensure(_ n: Int) {
        if used + n > capacity { flush() }
    }

    private func flush() {
        sha.update(buffer: UnsafeRawBufferPointer(start: buffer, count: used))
        used = 0
    }

    @inline(__always)
    func int64(_ v: Int64) {
        ensure(8)
        buffer.storeBytes(of: v.littleEndian, toByteOffset: used, as: Int64.self)
        used += 8
    }

    @inline(__always)
    func byte(_ v: UInt8) {
        ensure(1)
        buffer.storeBytes(of: v, toByteOffset: used, as: UInt8.self)
        used += 1
    }

    func raw(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count > capacity / 2 {
            flush()
            sha.update(buffer: bytes)
            return
        }
        ensure(bytes.count)
        if let base = bytes.baseAddress { (buffer + used).copyMemory(from: base, byteCount: bytes.count) }
        used += bytes.count
    }

    func string(_ s: String, lengthPrefixed: Bool = true) {
        var s = s
        s.withUTF8 { utf8 in
            if lengthPrefixed { int64(Int64(utf8.count)) }
            raw(UnsafeRawBufferPointer(utf8))
        }
    }

    @inline(__always)
    func optional(_ v: Int64?) {
        if let v { byte(1); int64(v) } else { byte(0) }
    }

    func optionalString(_ s: String?) {
        if let s { byte(1); string(s) } else { byte(0) }
    }

    @inline(__always)
    func optionalFloat(_ v: Float?) {
        if let v {
            ensure(5)
            buffer.storeBytes(of: 1 as UInt8, toByteOffset: used, as: UInt8.self)
            buffer.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: used + 1, as: UInt32.self)
            used += 5
        } else {
            byte(0)
        }
    }

    func finish() -> String {
        flush()
        return sha.finalize().hexString
    }
}
