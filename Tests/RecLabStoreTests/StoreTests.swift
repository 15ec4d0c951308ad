import Foundation
import RecLabCore
import RecLabResults
import RecLabStore
import RecLabTestSupport
import XCTest

final class DatasetStoreRoundTripTests: XCTestCase {
    func testWriteLoadRoundTripAndForce() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let path = dir.appendingPathComponent("d.sqlite").path
        var content = TestSupport.tinyContent(users: 3, movies: 4, ratings: [(1, 1, 4, 10), (2, 3, 2.5, 20), (3, 4, 5, 30)])
        content.tags = [TagRecord(userId: 1, movieId: 2, tag: "funny", timestamp: 5)]
        content.artifacts = ["truth": Data([1, 2, 3])]
        let hash = try DatasetStore.write(content, to: path, force: false)
        XCTAssertEqual(hash, ContentHash.compute(content))
        let back = try DatasetStore.loadContent(path: path)
        XCTAssertEqual(ContentHash.compute(back), hash)
        XCTAssertEqual(back.artifacts["truth"], Data([1, 2, 3]))
        XCTAssertEqual(try DatasetStore.info(path: path)["content_hash"], hash)
        // Refuses to overwrite without force, and leaves the file as it was.
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try DatasetStore.write(TestSupport.tinyContent(users: 1, movies: 1, ratings: []), to: path, force: false))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        // With force it is replaced.
        let other = TestSupport.tinyContent(users: 1, movies: 1, ratings: [(1, 1, 3, 1)])
        XCTAssertEqual(try DatasetStore.write(other, to: path, force: true), ContentHash.compute(other))
        XCTAssertEqual(try DatasetStore.load(path: path).interactionCount, 1)
    }

    func testResultsStoreRecordsAndReplaces() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let store = try ResultsStore(path: dir.appendingPathComponent("r.sqlite").path)
        let card = DatasetCard(name: "tiny", source: "t", contentHash: "abc", users: 1, movies: 1, interactions: 1, ratings: 1,
                               ratingHistogram: [:], interactionsPerMovie: [1], synthetic: true)
        let prov = Provenance(configPath: nil, configHash: "h", configText: "x: 1", seed: 3, reclabVersion: "0", gitCommit: nil,
                              createdAt: nil, dataset: card)
        let id = ResultJSON.runId(kind: "offline", configHash: "h", datasetHash: "abc", seed: 3)
        XCTAssertEqual(id, ResultJSON.runId(kind: "offline", configHash: "h", datasetHash: "abc", seed: 3))
        for _ in 0..<2 {
            try store.record(id: id, kind: "offline", name: "t", provenance: prov, document: Data("{\"kind\":\"offline\"}".utf8),
                             metrics: [RunMetricRow(subject: "s", metric: "ndcg@10", fold: nil, summary: MetricSummary(mean: 0.5, ciLow: 0.4, ciHigh: 0.6, n: 2))],
                             userValues: [UserMetricValues(subject: "s", metric: "ndcg@10", fold: nil, users: [0, 1], values: [0.4, 0.6])])
        }
        XCTAssertEqual(try store.runs().count, 1, "recording the same run again replaces it")
        XCTAssertEqual(try store.document(id: String(id.prefix(12))).kind, "offline")
        XCTAssertEqual(try store.userValues(runId: id, subject: "s", metric: "ndcg@10").map(\.value), [0.4, 0.6])
        XCTAssertThrowsError(try store.document(id: "nope"))
        XCTAssertNil(try store.documentIfPresent(id: "nope"))

        // A prefix matching two runs is ambiguous, not "no such run"; the full id still finds its run.
        let second = ResultJSON.runId(kind: "offline", configHash: "other", datasetHash: "abc", seed: 3)
        try store.record(id: second, kind: "offline", name: "t2", provenance: prov, document: Data("{\"kind\":\"offline\"}".utf8),
                         metrics: [], userValues: [])
        XCTAssertThrowsError(try store.documentIfPresent(id: "offline-")) { error in
            XCTAssertTrue("\(error)".contains("ambiguous"), "\(error)")
        }
        XCTAssertEqual(try store.documentIfPresent(id: second)?.id, second)
    }

    /// A result document's kind; a truncated file is called invalid JSON, not "no kind field".
    func testResultDocumentKindNamesTheProblem() throws {
        let full = Data(#"{"kind": "offline", "name": "x", "strategies": []}"#.utf8)
        XCTAssertEqual(try ResultJSON.documentKind(of: full, source: "m.json"), "offline")
        XCTAssertEqual(ResultJSON.kind(of: full), "offline")
        func message(_ data: Data) -> String {
            do { _ = try ResultJSON.documentKind(of: data, source: "m.json"); return "" } catch {
                XCTAssertEqual((error as? RecLabError)?.file, "m.json")
                return (error as? RecLabError)?.message ?? "\(error)"
            }
        }
        XCTAssertTrue(message(full.prefix(20)).hasPrefix("invalid JSON"), message(full.prefix(20)))
        XCTAssertTrue(message(Data()).hasPrefix("the file is empty"))
        XCTAssertTrue(message(Data(#"{"name": "x"}"#.utf8)).hasPrefix("not a RecLab result document"))
        XCTAssertTrue(message(Data("[1, 2]".utf8)).hasPrefix("not a RecLab result document"))
        XCTAssertNil(ResultJSON.kind(of: full.prefix(20)))
    }

    /// An output path that is a folder is refused before any work, with or without force, and the folder
    /// is left as it was (it used to fail only at the final rename, with "errno 21").
    func testOutputFolderIsRefused() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let content = TestSupport.tinyContent(users: 1, movies: 1, ratings: [(1, 1, 3, 1)])
        for force in [false, true] {
            XCTAssertThrowsError(try DatasetStore.write(content, to: dir.path, force: force)) { error in
                XCTAssertTrue((error as? RecLabError)?.message.hasPrefix("is a folder") == true, "\(error)")
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
    }

    /// A file that is not SQLite is named as such when opened, as a dataset or as a results store, and
    /// is left untouched.
    func testNonSQLiteFileIsReportedAsSuch() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let path = dir.appendingPathComponent("notes.sqlite").path
        let text = Data(String(repeating: "not a database, just some notes\n", count: 10).utf8)
        try text.write(to: URL(fileURLWithPath: path))
        for open in [{ _ = try ResultsStore(path: path) }, { _ = try DatasetStore.load(path: path) },
                     { _ = try SQLiteDatabase(path: path) }] {
            XCTAssertThrowsError(try open()) { error in
                XCTAssertTrue((error as? RecLabError)?.message.contains("not an SQLite database") == true, "\(error)")
            }
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), text)
    }

    /// A results store is not a dataset (old ones even have empty dataset tables): reading it as a dataset
    /// must fail with a clear error, not describe an empty dataset.
    func testResultsStoreIsNotReadAsAnEmptyDataset() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let path = dir.appendingPathComponent("r.sqlite").path
        _ = try ResultsStore(path: path)
        for read in [{ _ = try DatasetStore.load(path: path) }, { _ = try DatasetInspection.compute(path: path) }] {
            XCTAssertThrowsError(try read()) { error in
                let e = error as? RecLabError
                XCTAssertEqual(e?.file, path)
                XCTAssertTrue(e?.message.contains("holds no dataset") == true, "\(error)")
            }
        }
    }
}
