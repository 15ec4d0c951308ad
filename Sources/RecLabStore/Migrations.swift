import RecLabCore

/// One named schema step. A migrator runs its migrations in order, each once, inside a transaction, and
/// records them in `reclab_migrations`; a store written by a newer RecLab (with migrations this build does
/// not know) is refused rather than misread.
public struct Migration: Sendable {
    public let name: String
    public let sql: String

    public init(name: String, sql: String) {
        self.name = name; self.sql = sql
    }
}

/// The migrations of one kind of database. Dataset stores and results stores each have their own, so
/// opening one kind never creates the other kind's tables.
public struct Migrator: Sendable {
    /// "dataset store" or "results store", for messages.
    public let kind: String
    /// Ordered list. Append only: never edit or reorder a migration that has shipped.
    public let migrations: [Migration]
    /// The other kind's migration names. Before the two kinds had separate migrators every store was
    /// given both schemas, so old stores record both names (and hold both sets of tables, left in place):
    /// these names are known, not taken for a newer RecLab's, and are never run.
    public let legacyNames: Set<String>

    public init(kind: String, migrations: [Migration], legacyNames: Set<String>) {
        self.kind = kind; self.migrations = migrations; self.legacyNames = legacyNames
    }

    /// Brings `db` up to date.
    public func migrate(_ db: SQLiteDatabase) throws {
        try db.execute("CREATE TABLE IF NOT EXISTS reclab_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        var applied = Set<String>()
        let s = try db.prepare("SELECT name FROM reclab_migrations")
        while try s.step() { applied.insert(s.text(0)) }
        let known = Set(migrations.map(\.name)).union(legacyNames)
        if let unknown = applied.subtracting(known).sorted().first {
            throw RecLabError.io("this \(kind) was written by a newer RecLab (unknown migration '\(unknown)')", file: db.path)
        }
        for m in migrations where !applied.contains(m.name) {
            try db.transaction {
                try db.execute(m.sql)
                let ins = try db.prepare("INSERT INTO reclab_migrations (name, applied_at) VALUES (?, datetime('now'))")
                try ins.bind([.text(m.name)])
                try ins.step()
            }
        }
    }
}

public enum Migrations {
    /// Dataset stores (`reclab import`, `reclab generate`).
    public static let dataset = Migrator(kind: "dataset store", migrations: [DatasetSchema.v1],
                                         legacyNames: [ResultsSchema.v1.name])
    /// Results stores (`reclab run`, `simulate`, `ope`).
    public static let results = Migrator(kind: "results store", migrations: [ResultsSchema.v1],
                                         legacyNames: [DatasetSchema.v1.name])
}
