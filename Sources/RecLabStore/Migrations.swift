import RecLabCore

/// One named schema step. Migrations run in the order of `Migrations.all`, each once, inside a
/// transaction, and are recorded in `reclab_migrations`; a store written by a newer RecLab (with
/// migrations this build does not know) is refused rather than misread.
public struct Migration: Sendable {
    public let name: String
    public let sql: String

    public init(name: String, sql: String) {
        self.name = name; self.sql = sql
    }
}

public enum Migrations {
    /// Ordered list. Append only: never edit or reorder a migration that has shipped.
    public static let all: [Migration] = [
        DatasetSchema.v1,
        ResultsSchema.v1,
    ]

    /// Brings `db` up to date.
    public static func migrate(_ db: SQLiteDatabase) throws {
        try db.execute("CREATE TABLE IF NOT EXISTS reclab_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        var applied = Set<String>()
        let s = try db.prepare("SELECT name FROM reclab_migrations")
        while try s.step() { applied.insert(s.text(0)) }
        let known = Set(all.map(\.name))
        if let unknown = applied.subtracting(known).sorted().first {
            throw RecLabError.io("this store was written by a newer RecLab (unknown migration '\(unknown)')", file: db.path)
        }
        for m in all where !applied.contains(m.name) {
            try db.transaction {
                try db.execute(m.sql)
                let ins = try db.prepare("INSERT INTO reclab_migrations (name, applied_at) VALUES (?, datetime('now'))")
                try ins.bind([.text(m.name)])
                try ins.step()
            }
        }
    }
}
