import Foundation
import RecLabTestSupport
import XCTest

/// `reclab import` and `reclab inspect` as a user runs them (the built CLI binary).
final class DataCLITests: XCTestCase {
    private let fixtures = TestSupport.packageRoot.appendingPathComponent("Tests/RecLabStoreTests/Fixtures")
    private let key = ["RECLAB_PSEUDONYM_KEY": "cli-test-key"]

    private func inspectJSON(_ db: String) throws -> [String: Any] {
        let r = try TestSupport.runReclab(["inspect", db, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    }

    func testImportThenInspect() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let db = dir.appendingPathComponent("d.sqlite").path
        let r = try TestSupport.runReclab(["import", fixtures.appendingPathComponent("latest-ok").path, "--out", db, "--quiet"],
                                          environment: key)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("ratings       5"), r.stdout)
        XCTAssertFalse(r.stderr.contains("development key"), "a key is set, so no warning")
        let json = try inspectJSON(db)
        XCTAssertEqual(json["users"] as? Int, 4)
        XCTAssertEqual(json["movies"] as? Int, 4)
        XCTAssertEqual(json["ratings"] as? Int, 5)
        XCTAssertEqual(json["tags"] as? Int, 3)
        XCTAssertEqual(json["events"] as? Int, 0)
        let hash = try XCTUnwrap(json["content_hash"] as? String)
        XCTAssertEqual(hash.count, 64)
        XCTAssertTrue(r.stdout.contains(hash), "the import summary shows the same hash")
        // Per-user interactions 2, 2, 1, 0 (user 9 only tags): min 0, median 1.5, max 2.
        let perUser = try XCTUnwrap(json["interactions_per_user"] as? [String: Double])
        XCTAssertEqual(perUser["min"], 0)
        XCTAssertEqual(perUser["p50"], 1.5)
        XCTAssertEqual(perUser["max"], 2)
        // 5 of 4 x 4 cells filled.
        XCTAssertEqual(json["sparsity"] as? Double ?? 0, 1 - 5.0 / 16.0, accuracy: 1e-12)

        // The same data in another row order (and CRLF line ends) gives the same content hash.
        let db2 = dir.appendingPathComponent("d2.sqlite").path
        XCTAssertEqual(try TestSupport.runReclab(["import", fixtures.appendingPathComponent("latest-reordered").path,
                                                  "--out", db2, "--quiet"], environment: key).status, 0)
        XCTAssertEqual(try inspectJSON(db2)["content_hash"] as? String, hash)

        let table = try TestSupport.runReclab(["inspect", db])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("content_hash  \(hash)"), table.stdout)
    }

    func testExistingOutputNeedsForce() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let db = dir.appendingPathComponent("d.sqlite").path
        let latest = fixtures.appendingPathComponent("latest-ok").path
        XCTAssertEqual(try TestSupport.runReclab(["import", latest, "--out", db, "-q"], environment: key).status, 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: db))

        let again = try TestSupport.runReclab(["import", fixtures.appendingPathComponent("ml100k-ok").path, "--out", db, "-q"], environment: key)
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("already exists; pass --force"), again.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: db)), before, "untouched without --force")

        // A failing import with --force leaves the existing file as it was, too.
        let bad = try TestSupport.runReclab(["import", fixtures.appendingPathComponent("latest-truncated").path, "--out", db, "--force", "-q"],
                                            environment: key)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: db)), before, "untouched after a failed import")

        let forced = try TestSupport.runReclab(["import", fixtures.appendingPathComponent("ml100k-ok").path, "--out", db, "--force", "-q"],
                                               environment: key)
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertEqual(try inspectJSON(db)["movies"] as? Int, 4)
        XCTAssertEqual(try inspectJSON(db)["users"] as? Int, 3, "replaced by the ml-100k fixture")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains("partial") }
        XCTAssertEqual(leftovers, [], "no temporary file left behind")
    }

    /// --out naming a folder is refused up front (even with --force), before the input is read: a malformed
    /// input is not reported, the folder's error is.
    func testOutputFolderIsRefusedBeforeWork() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        for extra in [[], ["--force"]] {
            let r = try TestSupport.runReclab(["import", fixtures.appendingPathComponent("latest-truncated").path, "--out", dir.path, "-q"] + extra,
                                              environment: key)
            XCTAssertEqual(r.status, 1)
            XCTAssertTrue(r.stderr.contains("\(dir.path): is a folder; the output must name the store file"), r.stderr)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
    }

    func testMalformedInputFailsWithLocationAndWritesNothing() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let db = dir.appendingPathComponent("d.sqlite").path
        let r = try TestSupport.runReclab(["import", fixtures.appendingPathComponent("latest-rating-out-of-range").path, "--out", db],
                                          environment: key)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("latest-rating-out-of-range/ratings.csv:3: column 'rating': '5.5' is out of range"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: db))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])

        let unknown = try TestSupport.runReclab(["import", fixtures.appendingPathComponent("not-movielens").path, "--out", db], environment: key)
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("not a known MovieLens folder"), unknown.stderr)
    }

    func testDevelopmentKeyWarningAndDemographics() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let ml100k = fixtures.appendingPathComponent("ml100k-ok").path
        let plain = dir.appendingPathComponent("plain.sqlite").path
        let r = try TestSupport.runReclab(["import", ml100k, "--out", plain, "-q"],
                                          environment: ["RECLAB_PSEUDONYM_KEY": "", "RECLAB_PSEUDONYM_KEY_FILE": ""])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("development key"), r.stderr)
        XCTAssertTrue(r.stdout.contains("demographics  dropped"), r.stdout)
        // The store file holds no demographic value unless asked for.
        let plainBytes = try Data(contentsOf: URL(fileURLWithPath: plain))
        XCTAssertNil(plainBytes.range(of: Data("technician".utf8)))
        let kept = dir.appendingPathComponent("kept.sqlite").path
        XCTAssertEqual(try TestSupport.runReclab(["import", ml100k, "--out", kept, "-q", "--keep-demographics"], environment: key).status, 0)
        XCTAssertNotNil(try Data(contentsOf: URL(fileURLWithPath: kept)).range(of: Data("technician".utf8)))
    }

    /// Help that teaches: each of these subcommands shows a runnable example of itself.
    func testHelpShowsExamples() throws {
        for command in ["import", "inspect", "strategies"] {
            let r = try TestSupport.runReclab([command, "--help"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("Example"), "\(command) --help has no example")
            XCTAssertTrue(r.stdout.contains("reclab \(command) "), "\(command) --help shows no command line of itself")
        }
    }

    /// A results store is not a dataset: inspect says so instead of describing an empty dataset.
    func testInspectResultsStoreFails() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let results = dir.appendingPathComponent("results.sqlite").path
        let run = try TestSupport.runReclab(["run", "experiments/tiny.yaml", "--out", dir.appendingPathComponent("out").path,
                                             "--results", results, "-q"], currentDirectory: TestSupport.packageRoot)
        XCTAssertEqual(run.status, 0, run.stderr)
        let r = try TestSupport.runReclab(["inspect", results])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("holds no dataset"), r.stderr)
        XCTAssertEqual(r.stdout, "")
    }

    func testInspectMissingStore() throws {
        let r = try TestSupport.runReclab(["inspect", "/nonexistent/x.sqlite"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("dataset store not found"), r.stderr)
    }
}
