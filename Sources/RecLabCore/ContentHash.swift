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
/// Complexity: O(N) when each user's rows are already in canonical order, else O(N + sum of n_u log n_u)
/// (see `writeInteractions`); the bytes are staged and hashed in 64 KiB chunks.
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
            writeInteractions(rows, ranks: ranks, userCount: users.count, to: out)
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

    /// Interactions in the canonical order: (user rank, movie, timestamp, rating, watch, completion, row
    /// index), nil values first. The index breaks every tie, so the order is unique and the way it is found
    /// cannot change the bytes.
    ///
    /// Rows come in runs of one user (importers and the generator write them so): the runs are grouped by
    /// rank (a counting sort of runs, not rows), and a user's rows, unless already in order, are sorted as
    /// packed integers (movie, timestamp, position) with the rare equal (movie, timestamp) pairs then put
    /// in order by the full comparison. O(N + sum of n_u log n_u); no per-row arrays beyond one user's.
    private static func writeInteractions(_ rows: UnsafeBufferPointer<InteractionRecord>, ranks: UserRanks,
                                          userCount: Int, to out: HashStream) {
        let n = rows.count
        out.int64(Int64(n))
        guard n > 0 else { return }

        // Runs of consecutive rows of one user; the movie and timestamp ranges size the packed keys.
        var runStart: [Int] = [], runRank: [Int64] = []
        var minMovie = Int64.max, maxMovie = Int64.min, minTime = Int64.max, maxTime = Int64.min
        var k = 0
        while k < n {
            let id = rows[k].userId
            runStart.append(k)
            runRank.append(ranks.rank(id))
            repeat {
                let movie = rows[k].movieId, time = rows[k].timestamp
                minMovie = min(minMovie, movie); maxMovie = max(maxMovie, movie)
                minTime = min(minTime, time); maxTime = max(maxTime, time)
                k += 1
            } while k < n && rows[k].userId == id
        }
        runStart.append(n)
        let runCount = runRank.count

        // Runs by (rank, position): a user's runs become adjacent, in row order.
        var runOrder = Array(0..<runCount)
        if !isSorted(runRank, by: <) {
            if runRank.allSatisfy({ $0 >= 0 && $0 < Int64(userCount) }) {
                var start = [Int](repeating: 0, count: userCount + 1)
                for r in runRank { start[Int(r) + 1] += 1 }
                for u in 0..<userCount { start[u + 1] += start[u] }
                for (run, r) in runRank.enumerated() { runOrder[start[Int(r)]] = run; start[Int(r)] += 1 }
            } else {
                // Rows naming users the list lacks (negative ranks): a comparison sort of the runs.
                runOrder.sort { runRank[$0] != runRank[$1] ? runRank[$0] < runRank[$1] : $0 < $1 }
            }
        }

        @inline(__always) func bitWidth(_ v: UInt64) -> Int { 64 - v.leadingZeroBitCount }
        let movieBits = bitWidth(UInt64(bitPattern: maxMovie &- minMovie))
        let timeBits = bitWidth(UInt64(bitPattern: maxTime &- minTime))
        @inline(__always) func key(_ v: Float?) -> Float { v ?? -.infinity }
        /// The canonical order between two rows of one user.
        @inline(__always) func less(_ a: Int32, _ b: Int32) -> Bool {
            let x = rows[Int(a)], y = rows[Int(b)]
            if x.movieId != y.movieId { return x.movieId < y.movieId }
            if x.timestamp != y.timestamp { return x.timestamp < y.timestamp }
            if key(x.rating) != key(y.rating) { return key(x.rating) < key(y.rating) }
            if key(x.watchSeconds) != key(y.watchSeconds) { return key(x.watchSeconds) < key(y.watchSeconds) }
            if key(x.completion) != key(y.completion) { return key(x.completion) < key(y.completion) }
            return a < b
        }

        var user: [Int32] = [], sorted: [Int32] = [], keys: [UInt64] = []
        var g = 0
        while g < runCount {
            let rank = runRank[runOrder[g]]
            var h = g + 1
            while h < runCount && runRank[runOrder[h]] == rank { h += 1 }
            // This user's rows, in row order.
            user.removeAll(keepingCapacity: true)
            for j in g..<h {
                let run = runOrder[j]
                for i in runStart[run]..<runStart[run + 1] { user.append(Int32(i)) }
            }
            g = h

            var inOrder = true
            for j in user.indices.dropFirst() where !less(user[j - 1], user[j]) { inOrder = false; break }
            if !inOrder {
                let count = user.count
                let positionBits = bitWidth(UInt64(count - 1))
                if movieBits + timeBits + positionBits <= 64 {
                    keys.removeAll(keepingCapacity: true)
                    for (position, i) in user.enumerated() {
                        let r = rows[Int(i)]
                        keys.append(UInt64(bitPattern: r.movieId &- minMovie) << (timeBits + positionBits)
                                    | UInt64(bitPattern: r.timestamp &- minTime) << positionBits
                                    | UInt64(position))
                    }
                    keys.sort()
                    let positionMask = (UInt64(1) << positionBits) - 1
                    sorted.removeAll(keepingCapacity: true)
                    for key in keys { sorted.append(user[Int(key & positionMask)]) }
                    // Equal (movie, timestamp): order by the remaining fields.
                    var j = 0
                    while j < count {
                        var e = j + 1
                        while e < count && keys[e] >> positionBits == keys[j] >> positionBits { e += 1 }
                        if e - j > 1 { sorted[j..<e].sort(by: less) }
                        j = e
                    }
                    swap(&user, &sorted)
                } else {
                    user.sort(by: less)
                }
            }

            user.withUnsafeBufferPointer { order in
                out.records(order.count, maxBytes: 39) { j, p in
                    let r = rows[Int(order[j])]
                    p.storeBytes(of: rank.littleEndian, toByteOffset: 0, as: Int64.self)
                    p.storeBytes(of: r.movieId.littleEndian, toByteOffset: 8, as: Int64.self)
                    p.storeBytes(of: r.timestamp.littleEndian, toByteOffset: 16, as: Int64.self)
                    var used = 24
                    used += HashStream.optionalFloat(r.rating, at: p + used)
                    used += HashStream.optionalFloat(r.watchSeconds, at: p + used)
                    used += HashStream.optionalFloat(r.completion, at: p + used)
                    return used
                }
            }
        }
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

    /// Writes `count` records of at most `maxBytes` each: `body(k, p)` stores record k at `p` and returns
    /// its length. The write position stays in a local between flushes, off the object.
    @inline(__always)
    func records(_ count: Int, maxBytes: Int, _ body: (Int, UnsafeMutableRawPointer) -> Int) {
        var position = used
        for k in 0..<count {
            if position + maxBytes > capacity { used = position; flush(); position = 0 }
            position += body(k, buffer + position)
        }
        used = position
    }

    /// Stores an optional Float (a 0 byte, or a 1 byte and the bit pattern) at `p`; returns its length.
    @inline(__always)
    static func optionalFloat(_ v: Float?, at p: UnsafeMutableRawPointer) -> Int {
        guard let v else { p.storeBytes(of: 0 as UInt8, as: UInt8.self); return 1 }
        p.storeBytes(of: 1 as UInt8, as: UInt8.self)
        p.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 1, as: UInt32.self)
        return 5
    }

    func finish() -> String {
        flush()
        return sha.finalize().hexString
    }
}
