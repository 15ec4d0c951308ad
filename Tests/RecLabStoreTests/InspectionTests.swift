import Foundation
import RecLabCore
import RecLabStore
import RecLabTestSupport
import XCTest

final class DatasetInspectionTests: XCTestCase {
    /// A hand-made store with ratings, viewing events, a repeated (user, movie) pair and an idle user
    /// and movie; every expected figure below is worked out by hand.
    func testFiguresOnAHandMadeStore() throws {
        var c = TestSupport.tinyContent(users: 4, movies: 5, ratings: [
            (1, 1, 4, 86_400), (1, 2, 3.5, 2 * 86_400), (2, 1, 5, 3 * 86_400), (3, 3, 4, 4 * 86_400),
        ])
        // Two viewing events (one on a pair already rated), no rating.
        c.interactions.append(InteractionRecord(userId: 1, movieId: 1, timestamp: 5 * 86_400, watchSeconds: 600, completion: 0.5))
        c.interactions.append(InteractionRecord(userId: 2, movieId: 4, timestamp: 11 * 86_400, watchSeconds: 60, completion: 0.1))
        c.tags = [TagRecord(userId: 3, movieId: 3, tag: "slow", timestamp: 4 * 86_400)]
        c.warnings = ["something was counted"]
        let dir = try TestSupport.temporaryDirectory(self)
        let path = dir.appendingPathComponent("s.sqlite").path
        let hash = try DatasetStore.write(c, to: path, force: false)

        let r = try DatasetInspection.compute(path: path)
        XCTAssertEqual(r.contentHash, hash)
        XCTAssertEqual([r.users, r.movies, r.interactions, r.ratings, r.events, r.tags], [4, 5, 6, 4, 2, 1])
        XCTAssertEqual(r.pairs, 5, "(1,1) is both rated and watched")
        XCTAssertEqual(r.sparsity, 1 - 5.0 / 20.0, accuracy: 1e-12)
        XCTAssertEqual(r.ratingHistogram, [RatingBin(rating: 3.5, count: 1), RatingBin(rating: 4, count: 2), RatingBin(rating: 5, count: 1)])
        XCTAssertEqual(r.meanRating ?? 0, 16.5 / 4, accuracy: 1e-12)
        // Per user: 3, 2, 1, 0 -> sorted 0, 1, 2, 3; type-7 quantile at p: h = 3p.
        XCTAssertEqual(r.interactionsPerUser, CountQuantiles(sorted: [0, 1, 2, 3]))
        XCTAssertEqual(r.interactionsPerUser.p25, 0.75)
        XCTAssertEqual(r.interactionsPerUser.p50, 1.5)
        XCTAssertEqual(r.interactionsPerUser.p90, 2.7, accuracy: 1e-12)
        XCTAssertEqual(r.interactionsPerUser.mean, 1.5)
        // Per movie: 3, 1, 1, 1, 0 -> sorted 0, 1, 1, 1, 3; h = 4p.
        XCTAssertEqual(r.interactionsPerMovie.p25, 1)
        XCTAssertEqual(r.interactionsPerMovie.p99, 1 + 0.96 * 2, accuracy: 1e-12)
        XCTAssertEqual(r.interactionsPerMovie.max, 3)
        XCTAssertEqual(r.firstTimestamp, 86_400)
        XCTAssertEqual(r.lastTimestamp, 11 * 86_400)
        XCTAssertEqual(r.firstDate, "1970-01-02")
        XCTAssertEqual(r.lastDate, "1970-01-12")
        XCTAssertEqual(r.spanDays, 10)
        XCTAssertEqual(r.warnings, ["something was counted"])
    }

    func testQuantilesMatchNumPy() {
        // numpy.quantile([1, 2, 4, 8, 16, 32, 64], [0.25, 0.5, 0.75, 0.9, 0.99]) = [3, 8, 24, 44.8, 62.08]
        let q = CountQuantiles(sorted: [1, 2, 4, 8, 16, 32, 64])
        XCTAssertEqual(q.p25, 3, accuracy: 1e-12)
        XCTAssertEqual(q.p50, 8, accuracy: 1e-12)
        XCTAssertEqual(q.p75, 24, accuracy: 1e-12)
        XCTAssertEqual(q.p90, 44.8, accuracy: 1e-12)
        XCTAssertEqual(q.p99, 62.08, accuracy: 1e-12)
        XCTAssertEqual(CountQuantiles(sorted: []).max, 0)
    }

    func testNotADatasetStore() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let path = dir.appendingPathComponent("x.sqlite").path
        try "not sqlite".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try DatasetInspection.compute(path: path))
    }
}
