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
    @discardableResult
    public static func write(_ content: DatasetContent, to path: String, force: Bool) throws -> String {
        let fm = FileManager.default
        if fm.fileExists(atPath: path) && !force {
            throw RecLabError.io("output file already exists; pass --force to replace it", file: path)
        }
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty && !fm.fileExists(atPath: dir) {
            throw RecLabError.io("output folder does not exist", file: dir)
        }
        let temp = (dir.isEmpty ? "." : dir) + "/.\((path as NSString).lastPathComponent).partial-\(getpid())"
        try? fm.removeItem(atPath: temp)
        let hash = ContentHash.compute(content)
        do {
            let db = try SQLiteDatabase(path: temp)
            try db.execute("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF")
            try Migrations.migrate(db)
            try db.transaction { try insert(content, hash: hash, into: db) }
            db.close()
            // rename(2) replaces the target atomically: readers see the old file or the new one, never a mix.
            guard rename(temp, path) == 0 else { throw RecLabError.io("cannot move the new store into place (errno \(errno))", file: path) }
        } catch {
            try? fm.removeItem(atPath: temp)
            throw error
        }
        return hash
    }

    private static func insert(_ c: DatasetContent, hash: String, into db: SQLiteDatabase) throws {
        let info = try db.prepare("INSERT INTO dataset_info (key, value) VALUES (?, ?)")
        let infoRows: [(String, String)] = [
            ("name", c.name), ("source", c.source), ("content_hash", hash), ("reclab_version", RecLabVersion.string),
            ("warnings", c.warnings.joined(separator: "\n")),
        ]
        for (k, v) in infoRows { info.reset(); try info.bind([.text(k), .text(v)]); try info.step() }

        let movies = try db.prepare("INSERT INTO movies (id, title, year, genres, imdb_id, tmdb_id, release_ts) VALUES (?, ?, ?, ?, ?, ?, ?)")
        for m in c.movies {
            movies.reset()
            movies.bind(int: m.id, at: 1)
            movies.bind(text: m.title, at: 2)
            if let y = m.year { movies.bind(int: Int64(y), at: 3) }
            movies.bind(text: m.genres.joined(separator: "|"), at: 4)
            if let v = m.imdbId { movies.bind(text: v, at: 5) }
            if let v = m.tmdbId { movies.bind(text: v, at: 6) }
            if let v = m.releaseTimestamp { movies.bind(int: v, at: 7) }
            try movies.step()
        }
        let users = try db.prepare("INSERT INTO users (id, pseudonym, demographics) VALUES (?, ?, ?)")
        for u in c.users {
            users.reset()
            users.bind(int: u.id, at: 1)
            users.bind(text: u.pseudonym, at: 2)
            if !u.demographics.isEmpty {
                let json = try JSONSerialization.data(withJSONObject: u.demographics, options: [.sortedKeys])
                users.bind(text: String(decoding: json, as: UTF8.self), at: 3)
            }
            try users.step()
        }
        let rows = try db.prepare("INSERT INTO interactions (user_id, movie_id, ts, rating, watch_seconds, completion) VALUES (?, ?, ?, ?, ?, ?)")
        for r in c.interactions {
            rows.reset()
            rows.bind(int: r.userId, at: 1)
            rows.bind(int: r.movieId, at: 2)
            rows.bind(int: r.timestamp, at: 3)
            if let v = r.rating { rows.bind(double: Double(v), at: 4) }
            if let v = r.watchSeconds { rows.bind(double: Double(v), at: 5) }
            if let v = r.completion { rows.bind(double: Double(v), at: 6) }
            try rows.step()
        }
        let tags = try db.prepare("INSERT INTO tags (user_id, movie_id, tag, ts) VALUES (?, ?, ?, ?)")
        for t in c.tags {
            tags.reset()
            tags.bind(int: t.userId, at: 1)
            tags.bind(int: t.movieId, at: 2)
            tags.bind(text: t.tag, at: 3)
            tags.bind(int: t.timestamp, at: 4)
            try tags.step()
        }
        let art = try db.prepare("INSERT INTO artifacts (name, data) VALUES (?, ?)")
        for name in c.artifacts.keys.sorted() {
            art.reset()
            try art.bind([.text(name), .blob(c.artifacts[name]!)])
            try art.step()
        }
    }

    /// Opens an existing store read-only, with a clear error when it is missing or not a dataset store.
    public static func open(_ path: String) throws -> SQLiteDatabase {
        guard FileManager.default.fileExists(atPath: path) else { throw RecLabError.io("dataset store not found", file: path) }
        let db = try SQLiteDatabase(path: path, create: false, readOnly: true)
        guard (try? db.tableExists("dataset_info")) == true else {
            throw RecLabError.io("not a RecLab dataset store (no dataset_info table)", file: path)
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
        var interactions: [InteractionRecord] = []
        interactions.reserveCapacity(Int(try db.scalarInt("SELECT count(*) FROM interactions") ?? 0))
        let r = try db.prepare("SELECT user_id, movie_id, ts, rating, watch_seconds, completion FROM interactions")
        while try r.step() {
            interactions.append(InteractionRecord(
                userId: r.int64(0), movieId: r.int64(1), timestamp: r.int64(2),
                rating: r.isNull(3) ? nil : Float(r.double(3)), watchSeconds: r.isNull(4) ? nil : Float(r.double(4)),
                completion: r.isNull(5) ? nil : Float(r.double(5))))
        }
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

    /// Loads the dense in-memory dataset (content hash taken from the store, not recomputed).
    public static func load(path: String) throws -> Dataset {
        let content = try loadContent(path: path)
        let hash = try info(path: path)["content_hash"]
        return Dataset(content: content, contentHash: hash)
    }
}
