import Foundation
import RecLabCore
import RecLabResults

public struct RunSummary: Sendable {
    public var id: String
    public var kind: String
    public var name: String
    public var recordedAt: String
    public var datasetName: String
    public var datasetHash: String
    public var seed: UInt64
    public var gitCommit: String?
}

/// Experiment runs with provenance, in a results store: an SQLite file of its own (never a dataset store),
/// with the results migrator's schema only.
public final class ResultsStore {
    public let db: SQLiteDatabase

    /// Opens the results store at `path` for recording, creating it when the file does not exist. An
    /// existing file must be a RecLab results store: RecLab's tables are never added to a dataset store,
    /// an unrelated SQLite database or any other file.
    public init(path: String) throws {
        if FileManager.default.fileExists(atPath: path) { try ResultsStore.checkExistingStore(path) }
        db = try SQLiteDatabase(path: path)
        try Migrations.results.migrate(db)
    }

    /// Opens an existing store for reading only (listing runs must not write a schema into a file).
    public init(readingFrom path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw RecLabError.io("results store not found", file: path) }
        db = try SQLiteDatabase(path: path, create: false, readOnly: true)
        guard try db.tableExists("runs") else {
            if try ResultsStore.holdsDataset(db) { throw ResultsStore.datasetStoreError(path) }
            throw RecLabError.io("not a RecLab results store (no runs table)", file: path)
        }
    }

    /// Checks, before an experiment does any work, that a results store can be recorded at `path`: either
    /// a new file in a writable folder, or an existing RecLab results store (not a folder, a text file, a
    /// dataset store or an unrelated SQLite file). `folderIsCreatedLater`: the path is inside an output
    /// folder that the command creates (checked separately), so its folder need not exist yet.
    public static func checkLocation(_ path: String, folderIsCreatedLater: Bool = false) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let parent = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        if fm.fileExists(atPath: path, isDirectory: &isDir) {
            if isDir.boolValue { throw RecLabError.io("the results store path is a folder; name a file such as results.sqlite", file: path) }
            try checkExistingStore(path)
            // SQLite writes its journal beside the store, so the folder must be writable too.
            try OutputLocation.checkWritable(folder: parent, for: path)
            return
        }
        guard fm.fileExists(atPath: parent, isDirectory: &isDir) else {
            if folderIsCreatedLater { return }
            throw RecLabError.io("the folder of the results store does not exist", file: parent)
        }
        guard isDir.boolValue else { throw RecLabError.io("cannot create the results store: \(parent) is a file, not a folder", file: path) }
        try OutputLocation.checkWritable(folder: parent, for: path)
    }

    /// An existing file is a RecLab results store: an SQLite file with RecLab's migrations and runs table
    /// that holds no dataset. Opened read-only, so the check itself changes nothing.
    static func checkExistingStore(_ path: String) throws {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size > 0 else {
            throw RecLabError.io("is an empty file, not a RecLab results store; remove it or name a new file", file: path)
        }
        let db = try SQLiteDatabase(path: path, create: false, readOnly: true)
        defer { db.close() }
        // A dataset store first: old ones have an (empty) runs table too, new ones none.
        if try holdsDataset(db) { throw datasetStoreError(path) }
        guard try db.tableExists("reclab_migrations"), try db.tableExists("runs") else {
            throw RecLabError.io("is an SQLite database but not a RecLab results store (no runs table); RecLab does not add "
                                 + "its tables to other databases: name a new file or an existing results store", file: path)
        }
    }

    /// The database holds a dataset (a dataset store's content hash).
    static func holdsDataset(_ db: SQLiteDatabase) throws -> Bool {
        try db.tableExists("dataset_info")
            && (try db.scalarInt("SELECT count(*) FROM dataset_info WHERE key = 'content_hash'") ?? 0) > 0
    }

    static func datasetStoreError(_ path: String) -> RecLabError {
        RecLabError.io("is a RecLab dataset store, not a results store; record results in a separate file "
                       + "(for example results.sqlite beside it)", file: path)
    }

    /// Records a run in one transaction (replacing a run with the same id).
    public func record(id: String, kind: String, name: String, provenance: Provenance, document: Data,
                       metrics: [RunMetricRow], userValues: [UserMetricValues]) throws {
        try db.transaction {
            let del = try db.prepare("DELETE FROM runs WHERE id = ?")
            try del.bind([.text(id)])
            try del.step()
            let ins = try db.prepare("""
                INSERT INTO runs (id, kind, name, recorded_at, config_path, config_hash, config_text, dataset_name,
                                  dataset_hash, seed, reclab_version, git_commit, document)
                VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            try ins.bind([
                .text(id), .text(kind), .text(name), provenance.configPath.map { .text($0) } ?? .null,
                .text(provenance.configHash), .text(provenance.configText), .text(provenance.dataset.name),
                .text(provenance.dataset.contentHash), .int(Int64(bitPattern: provenance.seed)),
                .text(provenance.reclabVersion), provenance.gitCommit.map { .text($0) } ?? .null,
                .text(String(decoding: document, as: UTF8.self)),
            ])
            try ins.step()
            let m = try db.prepare("INSERT INTO run_metrics (run_id, subject, metric, fold, mean, ci_low, ci_high, n) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            for row in metrics {
                m.reset()
                try m.bind([.text(id), .text(row.subject), .text(row.metric), row.fold.map { .int(Int64($0)) } ?? .null,
                            .double(row.summary.mean), .double(row.summary.ciLow), .double(row.summary.ciHigh),
                            .int(Int64(row.summary.n))])
                try m.step()
            }
            let u = try db.prepare("INSERT INTO user_metrics (run_id, subject, metric, fold, user_index, value) VALUES (?, ?, ?, ?, ?, ?)")
            for block in userValues {
                for (user, value) in zip(block.users, block.values) {
                    u.reset()
                    try u.bind([.text(id), .text(block.subject), .text(block.metric), block.fold.map { .int(Int64($0)) } ?? .null])
                    u.bind(int: Int64(user), at: 5)
                    u.bind(double: value, at: 6)
                    try u.step()
                }
            }
        }
    }

    /// All runs, newest first.
    public func runs() throws -> [RunSummary] {
        let s = try db.prepare("SELECT id, kind, name, recorded_at, dataset_name, dataset_hash, seed, git_commit FROM runs ORDER BY recorded_at DESC, id")
        var out: [RunSummary] = []
        while try s.step() {
            out.append(RunSummary(id: s.text(0), kind: s.text(1), name: s.text(2), recordedAt: s.text(3), datasetName: s.text(4),
                                  datasetHash: s.text(5), seed: UInt64(bitPattern: s.int64(6)), gitCommit: s.optionalText(7)))
        }
        return out
    }

    /// The stored document of a run, by id or unique id prefix.
    public func document(id: String) throws -> (id: String, kind: String, data: Data) {
        guard let found = try documentIfPresent(id: id) else { throw RecLabError.usage("no run '\(id)' in results store \(db.path)") }
        return found
    }

    /// As `document(id:)`, but nil when no run matches; a prefix that matches several runs is still an error.
    public func documentIfPresent(id: String) throws -> (id: String, kind: String, data: Data)? {
        let s = try db.prepare("SELECT id, kind, document FROM runs WHERE id = ? OR id LIKE ? ORDER BY id = ? DESC LIMIT 2")
        try s.bind([.text(id), .text(id + "%"), .text(id)])
        var found: [(String, String, Data)] = []
        while try s.step() { found.append((s.text(0), s.text(1), Data(s.text(2).utf8))) }
        guard let first = found.first else { return nil }
        if found.count > 1 && first.0 != id { throw RecLabError.usage("run id prefix '\(id)' is ambiguous in \(db.path): give more of the id (reclab runs list)") }
        return first
    }

    /// Per-user values of one metric for one subject (all folds concatenated, ordered by fold then user).
    public func userValues(runId: String, subject: String, metric: String) throws -> [(fold: Int?, user: Int32, value: Double)] {
        let s = try db.prepare("SELECT fold, user_index, value FROM user_metrics WHERE run_id = ? AND subject = ? AND metric = ? ORDER BY fold, user_index")
        try s.bind([.text(runId), .text(subject), .text(metric)])
        var out: [(Int?, Int32, Double)] = []
        while try s.step() { out.append((s.optionalInt64(0).map { Int($0) }, Int32(s.int64(1)), s.double(2))) }
        return out
    }
}

/// Checks that an output location can be written, before any work starts, so a bad `--out` fails at once
/// with the path and the reason instead of after the experiment.
public enum OutputLocation {
    /// `path` is an existing writable folder, or a folder that can be created (its nearest existing
    /// ancestor is a folder in which the missing folders can be made). Leaves nothing behind: a probe file
    /// or probe folders it creates are removed at once.
    public static func checkFolder(_ path: String, what: String = "output folder") throws {
        let fm = FileManager.default
        let url = URL(fileURLWithPath: path).standardizedFileURL
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw RecLabError.io("the \(what) is a file, not a folder", file: path) }
            try checkWritable(folder: url.path, for: path)
            return
        }
        // The missing folders, outermost first, down from the nearest existing ancestor.
        var missing: [URL] = []
        var ancestor = url
        while !fm.fileExists(atPath: ancestor.path, isDirectory: &isDir) {
            missing.insert(ancestor, at: 0)
            let up = ancestor.deletingLastPathComponent()
            if up.path == ancestor.path { break }
            ancestor = up
        }
        guard isDir.boolValue else {
            throw RecLabError.io("cannot create the \(what): \(ancestor.path) is a file, not a folder", file: path)
        }
        // Try it: make the missing folders, then remove exactly those again.
        var made: [URL] = []
        defer { for dir in made.reversed() { rmdir(dir.path) } }
        for dir in missing {
            guard mkdir(dir.path, 0o777) == 0 || errno == EEXIST else {
                throw RecLabError.io("cannot create the \(what): \(String(cString: strerror(errno))) (at \(dir.path))", file: path)
            }
            made.append(dir)
        }
        try checkWritable(folder: url.path, for: path)
    }

    /// Creates and removes a probe file in `folder`: permission bits alone do not tell (root ignores them,
    /// a read-only file system does not). `target` names the path the user gave, for the message.
    public static func checkWritable(folder: String, for target: String) throws {
        let probe = (folder as NSString).appendingPathComponent(".reclab-write-check-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw RecLabError.io("cannot write into \(folder): \(String(cString: strerror(errno)))", file: target)
        }
        close(fd)
        unlink(probe)
    }
}
