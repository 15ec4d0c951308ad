import RecLabCore
import RecLabStrategies
import XCTest

final class ItemKNNTests: XCTestCase {
    private func neighbours(_ r: any Recommender, _ item: Int) -> [Int: Float] {
        Dictionary(uniqueKeysWithValues: (r as! ItemKNNRecommender).neighbours(of: item).map { ($0.item, $0.similarity) })
    }

    func testBinaryCosineSimilaritiesByHand() throws {
        let r = try StrategyTestData.fitted("item-knn", ["shrink": .int(0)])
        let c = 2 / Float(6).squareRoot()
        let expected: [[Int: Float]] = [
            [1: c, 2: 0.5],                       // i1: i4 has cosine 0 and is not kept
            [0: c, 2: c, 3: 1 / Float(6).squareRoot()],
            [0: 0.5, 1: c, 3: 0.5],
            [1: 1 / Float(6).squareRoot(), 2: 0.5],
            [:],
        ]
        for item in 0..<5 {
            let got = neighbours(r, item)
            XCTAssertEqual(Set(got.keys), Set(expected[item].keys), "item \(item)")
            for (j, s) in expected[item] { XCTAssertEqual(got[j]!, s, accuracy: 1e-6) }
        }
        // Best first, ties toward the lower index.
        XCTAssertEqual((r as! ItemKNNRecommender).neighbours(of: 2).map(\.item), [1, 0, 3])
    }

    func testShrinkageAndNeighbourhoodSize() throws {
        let r = try StrategyTestData.fitted("item-knn", ["shrink": .int(1), "k": .int(1)])
        // cos(1,2) = 0.8165 over 2 co-raters, shrunk by 2/3; k = 1 keeps only the best.
        XCTAssertEqual(neighbours(r, 0).count, 1)
        XCTAssertEqual(neighbours(r, 0)[1]!, 2 / Float(6).squareRoot() * 2 / 3, accuracy: 1e-6)
        let supported = try StrategyTestData.fitted("item-knn", ["shrink": .int(0), "min_support": .int(2)])
        // Only i1–i2 and i2–i3 have two co-raters.
        XCTAssertEqual(Set(neighbours(supported, 1).keys), [0, 2])
        XCTAssertEqual(Set(neighbours(supported, 3).keys), [])
    }

    func testPearsonAndAdjustedCosine() throws {
        // Reference values from numpy (item-mean centred Pearson over co-raters; user-mean centred cosine).
        let p = try StrategyTestData.fitted("item-knn", ["shrink": .int(0), "similarity": .string("pearson")])
        // The only positive Pearson pair is (i2, i4) = 1 over one co-rater (u3).
        XCTAssertEqual(neighbours(p, 1).count, 1)
        XCTAssertEqual(neighbours(p, 1)[3]!, 1, accuracy: 1e-5)
        XCTAssertTrue(neighbours(p, 0).isEmpty)
        let a = try StrategyTestData.fitted("item-knn", ["shrink": .int(0), "similarity": .string("adjusted-cosine")])
        XCTAssertEqual(neighbours(a, 0)[1]!, 0.2655788, accuracy: 1e-5)
        XCTAssertEqual(neighbours(a, 2)[3]!, 0.4961389, accuracy: 1e-5)
        XCTAssertEqual(Set(neighbours(a, 2).keys), [3])
    }

    func testScoresSumNeighbourSimilaritiesAndExcludeTrainingItems() throws {
        let r = try StrategyTestData.fitted("item-knn", ["shrink": .int(0)])
        // u4 holds i4: its neighbours i3 (0.5) and i2 (1/√6); i1 and i5 are unreached and go below, by popularity.
        let s = StrategyTestData.scores(r, user: 3)
        XCTAssertEqual(s[2], 0.5, accuracy: 1e-6)
        XCTAssertEqual(s[1], 1 / Float(6).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(s[0], -1 + 2.0 / 4.0, accuracy: 1e-6)
        XCTAssertEqual(s[4], -1, accuracy: 1e-6)
        XCTAssertEqual(StrategyTestData.ranking(r, user: 3), [2, 1, 0, 4])
        // u1 holds i1, i2, i3: i4 collects 1/√6 + 0.5.
        XCTAssertEqual(StrategyTestData.scores(r, user: 0)[3], 1 / Float(6).squareRoot() + 0.5, accuracy: 1e-6)
        XCTAssertEqual(StrategyTestData.ranking(r, user: 0), [3, 4])
    }

    func testColdUserGetsPopularityRanking() throws {
        let r = try StrategyTestData.fitted("item-knn")
        XCTAssertEqual(StrategyTestData.ranking(r, user: 4), [1, 0, 2, 3, 4])
    }

    func testRatingPredictionIsBaselineCentredAverage() throws {
        let r = try StrategyTestData.fitted("item-knn", ["shrink": .int(0), "damping": .int(0)])
        XCTAssertTrue(r.predictsRatings)
        // r̂(u4, i3): the only rated neighbour of i3 is i4 (rating 5), so r̂ = b(u4,i3) + 5 − b(u4,i4)
        // = 5 + b_i3 − b_i4 = 5 + (3 − μ) − (4.5 − μ) = 3.5 (undamped item biases).
        XCTAssertEqual(r.predict(user: 3, item: 2)!, 3.5, accuracy: 1e-5)
        // The cold item has no neighbours: the baseline μ + b_u (u4: b_u = 0.5).
        XCTAssertEqual(r.predict(user: 3, item: 4)!, 35.0 / 9.0 + 0.5, accuracy: 1e-5)
        let implicit = try StrategyTestData.fitted("item-knn", train: StrategyTestData.train(.implicit))
        XCTAssertFalse(implicit.predictsRatings)
        XCTAssertNil(implicit.predict(user: 0, item: 0))
    }

    func testSameResultWhateverTheThreadCount() throws {
        func run() throws -> [[Float]] {
            let r = try StrategyTestData.fitted("item-knn", ["similarity": .string("pearson"), "k": .int(2)])
            return (0..<5).map { StrategyTestData.scores(r, user: $0) }
        }
        let one = try StrategyTestData.scoresWithThreads("1", run)
        let many = try StrategyTestData.scoresWithThreads("7", run)
        XCTAssertEqual(one, many)
    }
}
