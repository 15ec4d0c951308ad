import Foundation
import RecLabCore
import RecLabImport
import RecLabStore
import RecLabTestSupport
import XCTest

/// Stores that are damaged or not stores at all, staging files of interrupted writes, re-rated pairs.
final class StoreRobustnessTests: XCTestCase {
    private func tinyStore(in dir: URL, name: String = "x.sqlite") throws -> String {
        let path = dir.appendingPathComponent(name).path
        try DatasetStore.write(TestSupport.tinyContent(users: 3, movies: 4, ratings: [(1, 1, 4, 1), (2, 2, 3, 2), (3, 3, 5, 3)]),
                               to: path, force: false)
        return path
    }

    /// A PID no process has: beyond the kernel's largest PID.
    private func deadPid() -> Int32 {
        let text = (try? String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8)) ?? "4194304"
        return (Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 4_194_304) + 1
    }

    func testWriteRemovesStagingFilesOfDeadProcessesOnly() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let dead = dir.appendingPathComponent(".x.sqlite.partial-\(deadPid())")
        let live = dir.appendingPathComponent(".x.sqlite.partial-\(getppid())")   // the test runner's parent: alive
        let otherTarget = dir.appendingPathComponent(".y.sqlite.partial-\(deadPid())")
        let notOurs = dir.appendingPathComponent(".x.sqlite.partial-12x")
        for f in [dead, live, otherTarget, notOurs] { try Data("staged".utf8).write(to: f) }
        _ = try tinyStore(in: dir)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dead.path), "a dead process's staging file is removed")
        XCTAssertTrue(FileManager.default.fileExists(atPath: live.path), "a live process's staging file is kept")
        XCTAssertTrue(FileManager.default.fileExists(atPath: otherTarget.path), "another target's file is not touched")
        XCTAssertTrue(FileManager.default.fileExists(atPath: notOurs.path), "a name this writer does not make is not touched")
        XCTAssertEqual(try DatasetStore.info(path: dir.appendingPathComponent("x.sqlite").path)["name"], "tiny")
    }

    private func openError(_ path: String) -> RecLabError? {
        do { _ = try DatasetStore.open(path); return nil } catch { return error as? RecLabError }
    }

    func testDamagedOrForeignFilesAreNamedAsSuch() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let store = try tinyStore(in: dir)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: store)[.size] as? Int)
        let half = dir.appendingPathComponent("half.sqlite").path
        try Data(try Data(contentsOf: URL(fileURLWithPath: store)).prefix(size / 2)).write(to: URL(fileURLWithPath: half))
        let empty = dir.appendingPathComponent("empty.sqlite").path
        try Data().write(to: URL(fileURLWithPath: empty))
        let random = dir.appendingPathComponent("random.sqlite").path
        var rng = SystemRandomNumberGenerator()
        try Data((0..<8192).map { _ in UInt8.random(in: 0...255, using: &rng) }).write(to: URL(fileURLWithPath: random))
        for (path, detail) in [(half, "truncated"), (empty, "empty"), (random, "not an SQLite database")] {
            let e = try XCTUnwrap(openError(path), path)
            XCTAssertEqual(e.file, path)
            XCTAssertTrue(e.message.contains("not a RecLab dataset store, or damaged"), e.message)
            XCTAssertTrue(e.message.contains(detail), e.message)
        }
        let folder = try XCTUnwrap(openError(dir.path))
        XCTAssertTrue(folder.message.contains("is a folder, not a dataset store"), folder.message)
        XCTAssertFalse(folder.message.contains("disk I/O"), folder.message)
        XCTAssertNil(openError(store), "the intact store opens")
    }

    func testRatingsOfOnePairAtDifferentTimesAreKeptWithAWarning() throws {
        let r = try MovieLensImporter.load(path: Fixtures.path("latest-rerated"), format: nil,
                                           options: ImportOptions(pseudonymizer: Pseudonymizer(key: "test-key-not-secret")))
        // User 1 rated movie 1 at 10, 20 and 30: all three kept. User 2's identical row (movie 2 at 12) is dropped.
        XCTAssertEqual(r.content.interactions.count, 6)
        XCTAssertEqual(r.report.duplicateRatings, 1)
        XCTAssertEqual(r.report.reratedPairs, 1)
        XCTAssertEqual(r.content.warnings.count, 2)
        let w = try XCTUnwrap(r.content.warnings.first { $0.contains("rated again") })
        XCTAssertTrue(w.contains("ratings.csv: 1 (user, movie) pair(s) rated again at a different time (2 later rating row(s))"), w)
        XCTAssertTrue(w.contains("all ratings are kept"), w)
        XCTAssertTrue(w.contains("line 5"), w)
        let ratings = r.content.interactions.filter { $0.movieId == 1 && $0.timestamp >= 10 }.map(\.rating)
        XCTAssertEqual(ratings, [4, 2, 5])
    }

    func testShippedStyleFixtureHasNoRerateWarning() throws {
        let r = try MovieLensImporter.load(path: Fixtures.path("latest-ok"), format: nil,
                                           options: ImportOptions(pseudonymizer: Pseudonymizer(key: "test-key-not-secret")))
        XCTAssertEqual(r.report.reratedPairs, 0)
        XCTAssertFalse(r.content.warnings.contains { $0.contains("rated again") })
    }
}
