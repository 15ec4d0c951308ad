import Foundation
import RecLabCore
import RecLabResults
import RecLabStore
import RecLabTestSupport
import XCTest

/// Dataset stores and results stores each have their own migrator; stores written before the split (both
/// schemas, both migration names) still open; reading a store never changes it.
final class MigrationTests: XCTestCase {
    static let datasetTables: Set<String> = ["dataset_info", "movies", "users", "interactions", "tags", "artifacts"]
    static let resultsTables: Set<String> = ["runs", "run_metrics", "user_metrics"]

    func tables(_ path: String) throws -> Set<String> {
        let db = try SQLiteDatabase(path: path, create: false, readOnly: true)
        defer { db.close() }
        var out = Set<String>()
        let s = try db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        while try s.step() { out.insert(s.text(0)) }
        return out
    }

    func migrationNames(_ path: String) throws -> [String] {
        let db = try SQLiteDatabase(path: path, create: false, readOnly: true)
        defer { db.close() }
        var out: [String] = []
        let s = try db.prepare("SELECT name FROM reclab_migrations ORDER BY name")
        while try s.step() { out.append(s.text(0)) }
        return out
    }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    func sampleContent() -> DatasetContent {
        TestSupport.tinyContent(users: 3, movies: 4, ratings: [(1, 1, 4, 10), (2, 3, 2.5, 20), (3, 4, 5, 30)])
    }

    func provenance() -> Provenance {
        let card = DatasetCard(name: "tiny", source: "t", contentHash: "abc", users: 1, movies: 1, interactions: 1, ratings: 1,
                               ratingHistogram: [:], interactionsPerMovie: [1], synthetic: true)
        return Provenance(configPath: nil, configHash: "h", configText: "x: 1", seed: 3, reclabVersion: "0", gitCommit: nil,
                          createdAt: nil, dataset: card)
    }

    func record(_ store: ResultsStore, id: String) throws {
        try store.record(id: id, kind: "offline", name: "t", provenance: provenance(), document: Data("{\"kind\":\"offline\"}".utf8),
                         metrics: [RunMetricRow(subject: "s", metric: "ndcg@10", fold: nil, summary: MetricSummary(mean: 0.5, ciLow: 0.4, ciHigh: 0.6, n: 2))],
                         userValues: [UserMetricValues(subject: "s", metric: "ndcg@10", fold: nil, users: [0, 1], values: [0.4, 0.6])])
    }

    /// The layout the single shared migration list gave every store before the split: the dataset schema,
    /// then the results schema, both recorded (the same statements the old `Migrations.migrate` ran).
    func addLegacySchemas(_ path: String, datasetAlreadyThere: Bool) throws {
        let db = try SQLiteDatabase(path: path)
        defer { db.close() }
        try db.execute("CREATE TABLE IF NOT EXISTS reclab_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        for m in datasetAlreadyThere ? [ResultsSchema.v1] : [DatasetSchema.v1, ResultsSchema.v1] {
            try db.execute(m.sql)
            try db.execute("INSERT INTO reclab_migrations (name, applied_at) VALUES ('\(m.name)', datetime('now'))")
        }
    }

    func testMigratorsHaveDisjointMigrations() {
        let dataset = Set(Migrations.dataset.migrations.map(\.name)), results = Set(Migrations.results.migrations.map(\.name))
        XCTAssertEqual(dataset, ["0001-dataset"])
        XCTAssertEqual(results, ["0002-results"])
        // Each tolerates exactly the other's names, so neither ever runs the other's schema.
        XCTAssertEqual(Migrations.dataset.legacyNames, results)
        XCTAssertEqual(Migrations.results.legacyNames, dataset)
    }

    func testNewResultsStoreHasNoDatasetTables() throws {
        let path = try TestSupport.temporaryDirectory(self).appendingPathComponent("r.sqlite").path
        try record(try ResultsStore(path: path), id: "offline-000000000001")
        XCTAssertEqual(try tables(path), Self.resultsTables.union(["reclab_migrations"]))
        XCTAssertEqual(try migrationNames(path), ["0002-results"])
    }

    func testNewDatasetStoreHasNoResultsTables() throws {
        let path = try TestSupport.temporaryDirectory(self).appendingPathComponent("d.sqlite").path
        try DatasetStore.write(sampleContent(), to: path, force: false)
        XCTAssertEqual(try tables(path), Self.datasetTables.union(["reclab_migrations"]))
        XCTAssertEqual(try migrationNames(path), ["0001-dataset"])
    }

    /// A new results store read as a dataset, and a new dataset store used as a results store, are named
    /// for what they are (neither has the other's tables any more).
    func testEachKindIsRefusedAsTheOther() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let results = dir.appendingPathComponent("r.sqlite").path, dataset = dir.appendingPathComponent("d.sqlite").path
        _ = try ResultsStore(path: results)
        try DatasetStore.write(sampleContent(), to: dataset, force: false)
        let before = try bytes(dataset)
        for open in [{ _ = try ResultsStore(path: dataset) }, { _ = try ResultsStore(readingFrom: dataset) },
                     { try ResultsStore.checkLocation(dataset) }] {
            XCTAssertThrowsError(try open()) { error in
                XCTAssertTrue((error as? RecLabError)?.message.contains("is a RecLab dataset store, not a results store") == true, "\(error)")
            }
        }
        XCTAssertEqual(try bytes(dataset), before)
        XCTAssertThrowsError(try DatasetStore.load(path: results)) { error in
            XCTAssertTrue((error as? RecLabError)?.message.contains("holds no dataset (it is a RecLab results store)") == true, "\(error)")
        }
    }

    /// A results store written by the old code (dataset tables too, both migration names) still opens for
    /// reading and for recording; its dataset tables are left in place.
    func testLegacyResultsStoreOpensForReadingAndWriting() throws {
        let path = try TestSupport.temporaryDirectory(self).appendingPathComponent("old.sqlite").path
        try addLegacySchemas(path, datasetAlreadyThere: false)
        let legacyTables = Self.datasetTables.union(Self.resultsTables).union(["reclab_migrations"])
        XCTAssertEqual(try tables(path), legacyTables)

        try record(try ResultsStore(path: path), id: "offline-000000000001")
        try record(try ResultsStore(path: path), id: "offline-000000000002")
        let reader = try ResultsStore(readingFrom: path)
        XCTAssertEqual(try reader.runs().map(\.id).sorted(), ["offline-000000000001", "offline-000000000002"])
        XCTAssertEqual(try reader.userValues(runId: "offline-000000000002", subject: "s", metric: "ndcg@10").map(\.value), [0.4, 0.6])
        XCTAssertEqual(try tables(path), legacyTables, "no table dropped or added")
        XCTAssertEqual(try migrationNames(path), ["0001-dataset", "0002-results"])
    }

    /// A dataset store written by the old code (results tables too, both names) still loads, with its hash.
    func testLegacyDatasetStoreStillLoads() throws {
        let path = try TestSupport.temporaryDirectory(self).appendingPathComponent("old.sqlite").path
        let content = sampleContent()
        let hash = try DatasetStore.write(content, to: path, force: false)
        try addLegacySchemas(path, datasetAlreadyThere: true)
        XCTAssertEqual(try migrationNames(path), ["0001-dataset", "0002-results"])
        let back = try DatasetStore.load(path: path)
        XCTAssertEqual(back.contentHash, hash)
        XCTAssertEqual(back.interactionCount, 3)
        XCTAssertEqual(try DatasetInspection.compute(path: path).interactions, 3)
        // Its (empty) results tables do not make it a results store.
        XCTAssertThrowsError(try ResultsStore(path: path))
    }

    /// Readers open stores read-only: listing, showing and loading leave every byte as it was, for new
    /// and old stores of both kinds.
    func testReadingDoesNotChangeTheFile() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let newResults = dir.appendingPathComponent("r.sqlite").path
        try record(try ResultsStore(path: newResults), id: "offline-000000000001")
        let oldResults = dir.appendingPathComponent("old-r.sqlite").path
        try addLegacySchemas(oldResults, datasetAlreadyThere: false)
        try record(try ResultsStore(path: oldResults), id: "offline-000000000001")
        let newDataset = dir.appendingPathComponent("d.sqlite").path
        try DatasetStore.write(sampleContent(), to: newDataset, force: false)
        let oldDataset = dir.appendingPathComponent("old-d.sqlite").path
        try DatasetStore.write(sampleContent(), to: oldDataset, force: false)
        try addLegacySchemas(oldDataset, datasetAlreadyThere: true)

        for path in [newResults, oldResults] {
            let before = try bytes(path)
            let reader = try ResultsStore(readingFrom: path)
            XCTAssertEqual(try reader.runs().count, 1)
            XCTAssertEqual(try reader.document(id: "offline-0000").kind, "offline")
            try ResultsStore.checkLocation(path)
            XCTAssertEqual(try bytes(path), before, path)
        }
        for path in [newDataset, oldDataset] {
            let before = try bytes(path)
            XCTAssertEqual(try DatasetStore.load(path: path).interactionCount, 3)
            _ = try DatasetInspection.compute(path: path)
            XCTAssertEqual(try bytes(path), before, path)
        }
    }

    /// A store with a migration neither migrator knows was written by a newer RecLab: refused, unchanged.
    func testUnknownMigrationIsRefused() throws {
        let path = try TestSupport.temporaryDirectory(self).appendingPathComponent("r.sqlite").path
        _ = try ResultsStore(path: path)
        do {
            let db = try SQLiteDatabase(path: path)
            try db.execute("INSERT INTO reclab_migrations (name, applied_at) VALUES ('0003-future', datetime('now'))")
            db.close()
        }
        let before = try bytes(path)
        XCTAssertThrowsError(try ResultsStore(path: path)) { error in
            XCTAssertTrue((error as? RecLabError)?.message.contains("newer RecLab (unknown migration '0003-future')") == true, "\(error)")
        }
        XCTAssertEqual(try bytes(path), before)
    }
}
