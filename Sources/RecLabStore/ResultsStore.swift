import Foundation
import RecLabCore

/// A summary metric row of a run.
public struct RunMetricRow: Sendable {
    public var subject: String
    public var metric: String
    public var fold: Int?
    public var summary: MetricSummary

    public init(subject: String, metric: String, fold: Int?, summary: MetricSummary) {
        self.subject = subject; self.metric = metric; self.fold = fold; self.summary = summary
    }
}

/// Per-user values of one metric for one strategy or arm (user = dense pseudonymous index).
public struct UserMetricValues: Sendable {
    public var subject: String
    public var metric: String
    public var fold: Int?
    public var users: [Int32]
    public var values: [Double]

    public init(subject: String, metric: String, fold: Int?, users: [Int32], values: [Double]) {
        precondition(users.count == values.count)
        self.subject = subject; self.metric = metric; self.fold = fold; self.users = users; self.values = values
    }
}

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

/// Experiment runs with provenance. Lives in any SQLite file (often the dataset's own store);
/// the schema comes from the shared migrations.
public final class ResultsStore {
    public let db: SQLiteDatabase

    public init(path: String) throws {
        db = try SQLiteDatabase(path: path)
        try Migrations.migrate(db)
    }

    /// Opens an existing store for reading only (listing runs must not write a schema into a file).
    public init(readingFrom path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw RecLabError.io("results store not found", file: path) }
        db = try SQLiteDatabase(path: path, create: false, readOnly: true)
        guard try db.tableExists("runs") else { throw RecLabError.io("not a RecLab results store (no runs table)", file: path) }
    }

    /// Checks, before an experiment does any work, that a store can be created or opened at `path`
    /// (its folder exists, and it is not a folder), so a bad `--results` fails up front.
    public static func checkLocation(_ path: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            if isDir.boolValue { throw RecLabError.io("the results store path is a folder", file: path) }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && !FileManager.default.fileExists(atPath: parent) {
            throw RecLabError.io("the folder of the results store does not exist", file: parent)
        }
    }

    /// Deterministic run id: the same config, data and seed give the same id, so recording a rerun
    /// replaces the earlier record instead of piling up copies.
    public static func runId(kind: String, configHash: String, datasetHash: String, seed: UInt64) -> String {
        kind + "-" + String(SHA256.hexDigest("\(kind)|\(configHash)|\(datasetHash)|\(seed)").prefix(12))
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
