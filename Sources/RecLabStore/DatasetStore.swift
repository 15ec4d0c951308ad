import Foundation
import RecLabCore

/// Reads and writes dataset stores: one SQLite file per dataset.
///
/// Writing is all-or-nothing: the content goes into a temporary file beside the target, in one
/// transaction, and is renamed over the target only when complete. On any error the temporary file
/// is removed and an existing target is left exactly as it was. An existing target is replaced only
/// with `force`.
public enum DatasetStore {
    /// Writes `content` to `path`; returns its content hash.
    ///
    /// The content hash is computed on a second thread while SQLite inserts (the two take similar time).
    /// References are checked in Swift first (every interaction and tag names a known user and movie), so
    /// the bulk insert can run without per-row foreign-key lookups. Rows go in through prepared multi-row
    /// INSERTs (`rowsPerStatement` rows per step). Complexity O(N) inserts into append-only tables.
    @discardableResult
    public static func write(_ content: DatasetContent, to path: String, force: Bool) throws -> String {
        try checkOutput(path, force: force)
        let fm = FileManager.default
        let dir = (path as NSString).deletingLastPathComponent
        try checkReferences(content)
        let temp = (dir.isEmpty ? "." : dir) + "/.\((path as NSString).lastPathComponent).partial-\(getpid())"
        try? fm.removeItem(atPath: temp)
        removeStaleStagingFiles(of: path)

        // @unchecked Sendable: written once by the background block and read only after `hashing.wait()`,
        // which orders that write before the read.
        final class HashBox: @unchecked Sendable { var value = "" }
        let hash = HashBox()
        let hashing = DispatchGroup()
        DispatchQueue.global(qos: .userInitiated).async(group: hashing) { hash.value = ContentHash.compute(content) }
        do {
            defer { hashing.wait() }
            let db = try SQLiteDatabase(path: temp)
            // A fresh private file: no journal, no fsync, exclusive lock, a cache that holds the whole write;
            // the rename below is the commit point.
            try db.execute("""
                PRAGMA page_size = 16384; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;
                PRAGMA temp_store = MEMORY; PRAGMA cache_size = -262144; PRAGMA foreign_keys = OFF
                """)
            try Migrations.dataset.migrate(db)
            try db.transaction {
                try insertRows(content, into: db)
                hashing.wait()
                try insertInfo(content, hash: hash.value, into: db)
            }
            db.close()
            // rename(2) replaces the target atomically: readers see the old file or the new one, never a mix.
            guard rename(temp, path) == 0 else { throw RecLabError.io("cannot move the new store into place (errno \(errno))", file: path) }
        } catch {
            try? fm.removeItem(atPath: temp)
            throw error
        }
        return hash.value
    }

    /// Removes the staging files `.NAME.partial-PID` of `path` left by writes that were interrupted (killed,
    /// power loss): those whose PID is no running process. A live process's file is never touched, since
    /// another `reclab` may be writing the same target right now. Best effort: a file that cannot be
    /// removed is left, as before.
    public static func removeStaleStagingFiles(of path: String) {
        let dir = (path as NSString).deletingLastPathComponent
        let folder = dir.isEmpty ? "." : dir
        let prefix = ".\((path as NSString).lastPathComponent).partial-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(prefix) {
            let digits = name.dropFirst(prefix.count)
            // Only names this writer makes: a decimal PID, nothing after it.
            guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let pid = Int64(digits), pid > 0, pid <= Int64(Int32.max) else { continue }
            if pid_t(pid) == getpid() { continue }
            // kill(pid, 0) sends nothing; ESRCH means no such process. EPERM means one exists (another user's).
            if kill(pid_t(pid), 0) == -1 && errno == ESRCH {
                try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(name))
            }
        }
    }

    /// Checks that `path` can receive a store, so commands can refuse before any work: not a folder, not an
    /// existing file unless `force`, in a folder that exists.
    public static func checkOutput(_ path: String, force: Bool) throws {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isFolder) {
            if isFolder.boolValue {
                throw RecLabError.io("is a folder; the output must name the store file to write, for example "
                                     + "\((path as NSString).appendingPathComponent("dataset.sqlite"))", file: path)
            }
            if !force { throw RecLabError.io("output file already exists; pass --force to replace it", file: path) }
        }
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty && !fm.fileExists(atPath: dir) {
            throw RecLabError.io("output folder does not exist", file: dir)
        }
    }

    /// Every interaction and tag must name a user and a movie of the content; ids must be unique.
    /// O(N) with flat arrays for small ids (a dictionary otherwise).
    private static func checkReferences(_ c: DatasetContent) throws {
        struct IdSet {
            var flat: [Bool] = []
            var other = Set<Int64>()
            init(_ ids: [Int64], what: String) throws {
                let maxId = ids.max() ?? 0
                if (ids.min() ?? 0) >= 0 && maxId < Int64(4 * ids.count + 4096) { flat = [Bool](repeating: false, count: Int(maxId) + 1) }
                for id in ids {
                    if id >= 0 && id < Int64(flat.count) {
                        if flat[Int(id)] { throw RecLabError.data("duplicate \(what) id \(id) in the dataset") }
                        flat[Int(id)] = true
                    } else if !other.insert(id).inserted {
                        throw RecLabError.data("duplicate \(what) id \(id) in the dataset")
                    }
                }
            }
            @inline(__always) func contains(_ id: Int64) -> Bool {
                id >= 0 && id < Int64(flat.count) ? flat[Int(id)] : other.contains(id)
            }
        }
        let users = try IdSet(c.users.map(\.id), what: "user")
        let movies = try IdSet(c.movies.map(\.id), what: "movie")
        for r in c.interactions where !users.contains(r.userId) || !movies.contains(r.movieId) {
            throw RecLabError.data("an interaction names user \(r.userId) and movie \(r.movieId), which the dataset does not list")
        }
        for t in c.tags where !users.contains(t.userId) || !movies.contains(t.movieId) {
            throw RecLabError.data("a tag names user \(t.userId) and movie \(t.movieId), which the dataset does not list")
        }
    }

    /// Rows per multi-row INSERT: fewer statement executions, well under SQLite's 32766 parameters.
    static let rowsPerStatement = 64

    /// Inserts `count` rows through `INSERT INTO table (columns) VALUES (?,...),(?,...)...` in batches;
    /// `bind(statement, firstParameter, row)` binds one row's columns. Unbound parameters are NULL.
    private static func bulkInsert(_ db: SQLiteDatabase, table: String, columns: [String], count: Int,
                                   bind: (SQLiteStatement, Int32, Int) -> Void) throws {
        let width = columns.count
        func statement(rows: Int) throws -> SQLiteStatement {
            let tuple = "(" + Array(repeating: "?", count: width).joined(separator: ",") + ")"
            return try db.prepare("INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
                                  + Array(repeating: tuple, count: rows).joined(separator: ","))
        }
        let batch = rowsPerStatement
        var row = 0
        if count >= batch {
            let many = try statement(rows: batch)
            while count - row >= batch {
                many.reset()
                for k in 0..<batch { bind(many, Int32(k * width + 1), row + k) }
                try many.step()
                row += batch
            }
        }
        if row < count {
            let one = try statement(rows: 1)
            while row < count {
                one.reset()
                bind(one, 1, row)
                try one.step()
                row += 1
            }
        }
    }

    private static func insertRows(_ c: DatasetContent, into db: SQLiteDatabase) throws {
        try c.movies.withUnsafeBufferPointer { movies in
            try bulkInsert(db, table: "movies", columns: ["id", "title", "year", "genres", "imdb_id", "tmdb_id", "release_ts"],
                           count: movies.count) { s, p, i in
                let m = movies[i]
                s.bind(int: m.id, at: p)
                s.bind(text: m.title, at: p + 1)
                if let y = m.year { s.bind(int: Int64(y), at: p + 2) }
                s.bind(text: m.genres.joined(separator: "|"), at: p + 3)
                if let v = m.imdbId { s.bind(text: v, at: p + 4) }
                if let v = m.tmdbId { s.bind(text: v, at: p + 5) }
                if let v = m.releaseTimestamp { s.bind(int: v, at: p + 6) }
            }
        }
        let demographics: [String?] = try c.users.map { u in
            guard !u.demographics.isEmpty else { return nil }
            let json = try JSONSerialization.data(withJSONObject: u.demographics, options: [.sortedKeys])
            return String(decoding: json, as: UTF8.self)
        }
        try bulkInsert(db, table: "users", columns: ["id", "pseudonym", "demographics"], count: c.users.count) { s, p, i in
            let u = c.users[i]
            s.bind(int: u.id, at: p)
            s.bind(text: u.pseudonym, at: p + 1)
            if let d = demographics[i] { s.bind(text: d, at: p + 2) }
        }
        let progress = c.interactions.count >= 2_000_000 ? ProgressReporter("write interactions", total: c.interactions.count) : nil
        try c.interactions.withUnsafeBufferPointer { rows in
            try bulkInsert(db, table: "interactions", columns: ["user_id", "movie_id", "ts", "rating", "watch_seconds", "completion"],
                           count: rows.count) { s, p, i in
                let r = rows[i]
                s.bind(int: r.userId, at: p)
                s.bind(int: r.movieId, at: p + 1)
                s.bind(int: r.timestamp, at: p + 2)
                if let v = r.rating { s.bind(double: Double(v), at: p + 3) }
                if let v = r.watchSeconds { s.bind(double: Double(v), at: p + 4) }
                if let v = r.completion { s.bind(double: Double(v), at: p + 5) }
                if let progress, i & 0xFFFFF == 0xFFFFF { progress.advance(by: 0x100000) }
            }
        }
        if let progress { progress.advance(by: c.interactions.count & 0xFFFFF); progress.finish() }
        try bulkInsert(db, table: "tags", columns: ["user_id", "movie_id", "tag", "ts"], count: c.tags.count) { s, p, i in
            let t = c.tags[i]
            s.bind(int: t.userId, at: p)
            s.bind(int: t.movieId, at: p + 1)
            s.bind(text: t.tag, at: p + 2)
            s.bind(int: t.timestamp, at: p + 3)
        }
        let art = try db.prepare("INSERT INTO artifacts (name, data) VALUES (?, ?)")
        for name in c.artifacts.keys.sorted() {
            art.reset()
            try art.bind([.text(name), .blob(c.artifacts[name]!)])
            try art.step()
        }
    }

    private static func insertInfo(_ c: DatasetContent, hash: String, into db: SQLiteDatabase) throws {
        let info = try db.prepare("INSERT INTO dataset_info (key, value) VALUES (?, ?)")
        let infoRows: [(String, String)] = [
            ("name", c.name), ("source", c.source), ("content_hash", hash), ("reclab_version", RecLabVersion.string),
            ("warnings", c.warnings.joined(separator: "\n")),
        ]
        for (k, v) in infoRows { info.reset(); try info.bind([.text(k), .text(v)]); try info.step() }
    }

    /// Opens an existing store read-only, with a clear error when it is missing or not a dataset store.
    public static func open(_ path: String) throws -> SQLiteDatabase {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw RecLabError.io("dataset store not found", file: path)
        }
        if isFolder.boolValue {
            throw RecLabError.io("is a folder, not a dataset store; give the .sqlite file written by 'reclab import' or 'reclab generate'", file: path)
        }
        func damaged(_ why: String) -> RecLabError {
            RecLabError.io("not a RecLab dataset store, or damaged (\(why)); make one with 'reclab import' or 'reclab generate'", file: path)
        }
        if let why = SQLiteDatabase.damage(path: path) { throw damaged(why) }
        let db: SQLiteDatabase
        do { db = try SQLiteDatabase(path: path, create: false, readOnly: true) } catch let e as RecLabError {
            throw damaged(e.message)
        }
        func holdsNoDataset(_ why: String) -> RecLabError {
            RecLabError.io("holds no dataset (\(why)); make a dataset store with 'reclab import' or 'reclab generate'", file: path)
        }
        guard (try? db.tableExists("dataset_info")) == true else {
            // A results store has only the results tables (since dataset and results stores have their own migrators).
            if (try? db.tableExists("runs")) == true { throw holdsNoDataset("it is a RecLab results store") }
            throw damaged("no dataset_info table")
        }
        // Results stores written before the migrators were split have the dataset tables too, empty;
        // without this such a store would read as a dataset with no users.
        guard try db.scalarInt("SELECT count(*) FROM dataset_info WHERE key = 'content_hash'") == 1 else {
            throw holdsNoDataset("no content_hash in dataset_info; a results store?")
        }
        return db
    }

    /// `dataset_info` key/value pairs (name, source, content_hash, reclab_version, warnings).
    public static func info(path: String) throws -> [String: String] {
        let db = try open(path)
        let s = try db.prepare("SELECT key, value FROM dataset_info")
        var out: [String: String] = [:]
        while try s.step() { out[s.text(0)] = s.text(1) }
        return out
    }

    /// Reads the whole content back.
    public static func loadContent(path: String) throws -> DatasetContent {
        let db = try open(path)
        let infoStmt = try db.prepare("SELECT key, value FROM dataset_info")
        var info: [String: String] = [:]
        while try infoStmt.step() { info[infoStmt.text(0)] = infoStmt.text(1) }

        var movies: [MovieRecord] = []
        let m = try db.prepare("SELECT id, title, year, genres, imdb_id, tmdb_id, release_ts FROM movies ORDER BY id")
        while try m.step() {
            let g = m.text(3)
            movies.append(MovieRecord(id: m.int64(0), title: m.text(1), year: m.optionalInt64(2).map { Int($0) },
                                      genres: g.isEmpty ? [] : g.split(separator: "|").map(String.init),
                                      imdbId: m.optionalText(4), tmdbId: m.optionalText(5), releaseTimestamp: m.optionalInt64(6)))
        }
        var users: [UserRecord] = []
        let u = try db.prepare("SELECT id, pseudonym, demographics FROM users ORDER BY id")
        while try u.step() {
            var demo: [String: String] = [:]
            if let json = u.optionalText(2), let obj = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String] {
                demo = obj
            }
            users.append(UserRecord(id: u.int64(0), pseudonym: u.text(1), demographics: demo))
        }
        let interactions = try readInteractions(path: path, db: db)
        var tags: [TagRecord] = []
        let t = try db.prepare("SELECT user_id, movie_id, tag, ts FROM tags")
        while try t.step() { tags.append(TagRecord(userId: t.int64(0), movieId: t.int64(1), tag: t.text(2), timestamp: t.int64(3))) }
        var artifacts: [String: Data] = [:]
        let a = try db.prepare("SELECT name, data FROM artifacts")
        while try a.step() { artifacts[a.text(0)] = a.blob(1) }
        let warnings = (info["warnings"] ?? "").split(separator: "\n").map(String.init)
        return DatasetContent(name: info["name"] ?? "", source: info["source"] ?? "", movies: movies, users: users,
                              interactions: interactions, tags: tags, artifacts: artifacts, warnings: warnings)
    }

    /// The interactions in rowid order (the order they were written in). A large table is read in rowid ranges,
    /// one read-only connection per worker, and the ranges joined in order: the same array as one sequential
    /// scan, in about 1/workers of the time (decoding rows in SQLite's VM is the cost: ~0.25 µs a row).
    static func readInteractions(path: String, db: SQLiteDatabase) throws -> [InteractionRecord] {
        let count = Int(try db.scalarInt("SELECT count(*) FROM interactions") ?? 0)
        let lowest = Int(try db.scalarInt("SELECT min(rowid) FROM interactions") ?? 0)
        let highest = Int(try db.scalarInt("SELECT max(rowid) FROM interactions") ?? -1)
        let sql = "SELECT user_id, movie_id, ts, rating, watch_seconds, completion FROM interactions"
        func record(_ r: SQLiteStatement) -> InteractionRecord {
            InteractionRecord(userId: r.int64(0), movieId: r.int64(1), timestamp: r.int64(2),
                              rating: r.isNull(3) ? nil : Float(r.double(3)), watchSeconds: r.isNull(4) ? nil : Float(r.double(4)),
                              completion: r.isNull(5) ? nil : Float(r.double(5)))
        }
        let workers = min(Parallel.workerCount, 8)
        // Small tables, or rowids with gaps (rows deleted by hand), take the plain scan.
        guard workers > 1, count >= 1_000_000, highest - lowest + 1 == count else {
            var out: [InteractionRecord] = []
            out.reserveCapacity(count)
            let r = try db.prepare(sql)
            while try r.step() { out.append(record(r)) }
            return out
        }
        // Each worker fills its own slice of one array in place (no joining copy of a GB-sized array).
        let span = (count + workers - 1) / workers
        var failures = [Error?](repeating: nil, count: workers)
        let placeholder = InteractionRecord(userId: 0, movieId: 0, timestamp: 0, rating: nil, watchSeconds: nil, completion: nil)
        var interactions = [InteractionRecord](repeating: placeholder, count: count)
        interactions.withUnsafeMutableBufferPointer { out in
            failures.withUnsafeMutableBufferPointer { failed in
                let out = out, failed = failed
                Parallel.forEachChunk(workers, minChunk: 1) { range in
                    for w in range {
                        let lo = w * span, hi = min(count, lo + span)
                        guard lo < hi else { continue }
                        do {
                            let connection = try SQLiteDatabase(path: path, create: false, readOnly: true)
                            let r = try connection.prepare(sql + " WHERE rowid BETWEEN ? AND ? ORDER BY rowid")
                            try r.bind([.int(Int64(lowest + lo)), .int(Int64(lowest + hi - 1))])
                            var k = lo
                            while try r.step() {
                                guard k < hi else { throw RecLabError.io("more interaction rows than rowids while reading", file: path) }
                                out[k] = record(r); k += 1
                            }
                            guard k == hi else { throw RecLabError.io("fewer interaction rows than rowids while reading", file: path) }
                        } catch { failed[w] = error }
                    }
                }
            }
        }
        if let failure = failures.compactMap({ $0 }).first { throw failure }
        return interactions
    }

    /// Loads the dense in-memory dataset (content hash taken from the store, not recomputed).
    public static func load(path: String) throws -> Dataset {
        let content = try loadContent(path: path)
        let hash = try info(path: path)["content_hash"]
        return Dataset(content: content, contentHash: hash)
    }
}
