import CSQLite
import Foundation
import RecLabCore

/// A thin, explicit wrapper over libsqlite3: a connection, prepared statements with typed binds and
/// column reads, and transactions. SQL stays visible at call sites; nothing is generated.
public final class SQLiteDatabase {
    public let path: String
    fileprivate var handle: OpaquePointer?

    /// Opens (and with `create`, creates) a database file. Foreign keys are enforced.
    public init(path: String, create: Bool = true, readOnly: Bool = false) throws {
        self.path = path
        var flags = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        if create && !readOnly { flags |= SQLITE_OPEN_CREATE }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        if rc != SQLITE_OK {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "error \(rc)"
            sqlite3_close_v2(db)
            throw RecLabError.io("cannot open SQLite database: \(message)", file: path)
        }
        handle = db
        sqlite3_busy_timeout(db, 5000)
        // Opening is lazy: a file that is not a database fails only at its first read, with a bare
        // "file is not a database" beside some unrelated SQL. Probe now and say what the file is not.
        if sqlite3_exec(db, "SELECT 1 FROM sqlite_master LIMIT 1", nil, nil, nil) == SQLITE_NOTADB {
            throw RecLabError.io("not an SQLite database (RecLab stores are the SQLite files written by "
                                 + "reclab import, generate, run and simulate)", file: path)
        }
        try execute("PRAGMA foreign_keys = ON")
    }

    deinit { sqlite3_close_v2(handle) }

    /// Why the file at `path` cannot be a whole SQLite database, from its 100-byte header alone (nil when
    /// it may be one): empty, too short, no SQLite magic, or shorter than the page count its header
    /// declares (a truncated copy or an interrupted download, which SQLite itself notices only when a
    /// query reaches a missing page).
    public static func damage(path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 100)) ?? Data()
        let size = (try? handle.seekToEnd()) ?? 0
        if size == 0 { return "the file is empty" }
        let bytes = [UInt8](header)
        guard bytes.count == 100, bytes.starts(with: Array("SQLite format 3\0".utf8)) else { return "not an SQLite database" }
        func be32(_ at: Int) -> UInt64 { bytes[at..<at + 4].reduce(0) { $0 << 8 | UInt64($1) } }
        let rawPageSize = UInt64(bytes[16]) << 8 | UInt64(bytes[17])
        let pageSize: UInt64 = rawPageSize == 1 ? 65536 : rawPageSize
        let pages = be32(28)
        // The header's page count is valid only when its change counter matches "version-valid-for".
        if pageSize >= 512, pages > 0, be32(24) == be32(92), size < pages * pageSize {
            return "truncated: \(size) bytes, but its header declares \(pages) pages of \(pageSize) bytes"
        }
        return nil
    }

    public func close() {
        sqlite3_close_v2(handle)
        handle = nil
    }

    fileprivate func error(_ what: String) -> RecLabError {
        let code = sqlite3_errcode(handle) & 0xff
        // Damage found mid-read (a mutated or cut file) is said as such, not as a failed statement.
        let damaged = code == SQLITE_CORRUPT || code == SQLITE_NOTADB ? "the file is damaged; " : ""
        return RecLabError.io("\(damaged)\(what): \(String(cString: sqlite3_errmsg(handle)))", file: path)
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &message) != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(message)
            throw RecLabError.io("SQL failed (\(text)): \(sql.prefix(120))", file: path)
        }
    }

    public func prepare(_ sql: String) throws -> SQLiteStatement {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            throw error("cannot prepare \(sql.prefix(120))")
        }
        return SQLiteStatement(db: self, stmt: stmt)
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// First column of the first row of a query, or nil.
    public func scalarInt(_ sql: String, _ args: [SQLiteValue] = []) throws -> Int64? {
        let s = try prepare(sql)
        try s.bind(args)
        return try s.step() ? s.int64(0) : nil
    }

    public func scalarText(_ sql: String, _ args: [SQLiteValue] = []) throws -> String? {
        let s = try prepare(sql)
        try s.bind(args)
        return try s.step() ? s.text(0) : nil
    }

    public func tableExists(_ name: String) throws -> Bool {
        try scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [.text(name)]) ?? 0 > 0
    }
}

/// A value to bind.
public enum SQLiteValue {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case blob(Data)
}

/// A prepared statement. Bind, `step()` until it returns false, read columns; `reset()` to reuse.
public final class SQLiteStatement {
    private let db: SQLiteDatabase
    private var stmt: OpaquePointer?

    fileprivate init(db: SQLiteDatabase, stmt: OpaquePointer) {
        self.db = db; self.stmt = stmt
    }

    deinit { sqlite3_finalize(stmt) }

    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    public func bind(_ values: [SQLiteValue]) throws {
        for (i, v) in values.enumerated() { try bind(v, at: Int32(i + 1)) }
    }

    /// Binds a value at a 1-based index.
    public func bind(_ value: SQLiteValue, at index: Int32) throws {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(stmt, index)
        case .int(let v): rc = sqlite3_bind_int64(stmt, index, v)
        case .double(let v): rc = sqlite3_bind_double(stmt, index, v)
        case .text(let v): rc = sqlite3_bind_text(stmt, index, v, -1, SQLiteStatement.transient)
        case .blob(let d):
            rc = d.withUnsafeBytes { sqlite3_bind_blob(stmt, index, $0.baseAddress, Int32($0.count), SQLiteStatement.transient) }
        }
        if rc != SQLITE_OK { throw db.error("cannot bind parameter \(index)") }
    }

    // Fast binds for bulk inserts (no enum boxing).
    @inline(__always) public func bind(int v: Int64, at index: Int32) { sqlite3_bind_int64(stmt, index, v) }
    @inline(__always) public func bind(double v: Double, at index: Int32) { sqlite3_bind_double(stmt, index, v) }
    @inline(__always) public func bindNull(at index: Int32) { sqlite3_bind_null(stmt, index) }
    @inline(__always) public func bind(text v: String, at index: Int32) {
        sqlite3_bind_text(stmt, index, v, -1, SQLiteStatement.transient)
    }

    /// Advances; true when a row is available, false when done.
    @discardableResult
    public func step() throws -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw db.error("statement failed")
    }

    /// Resets for another execution and clears bindings.
    public func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(stmt, column) == SQLITE_NULL }
    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(stmt, column) }
    public func double(_ column: Int32) -> Double { sqlite3_column_double(stmt, column) }
    public func text(_ column: Int32) -> String {
        guard let p = sqlite3_column_text(stmt, column) else { return "" }
        return String(cString: p)
    }
    public func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }
    public func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }
    public func optionalDouble(_ column: Int32) -> Double? { isNull(column) ? nil : double(column) }
    public func blob(_ column: Int32) -> Data {
        let n = Int(sqlite3_column_bytes(stmt, column))
        guard n > 0, let p = sqlite3_column_blob(stmt, column) else { return Data() }
        return Data(bytes: p, count: n)
    }
}
