import RecLabCore
import RecLabStrategies
import RecLabTestSupport
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
        // k = 1 uses the most similar item *the user rated*, searched through the stored candidates:
        // i2's neighbours are i1, i3 (2/√6) and i4 (1/√6); u4 rated only i4, so r̂(u4, i2) = 5 + b_i2 − b_i4
        // = 5 + (11/3 − μ) − (4.5 − μ) = 25/6.
        let one = try StrategyTestData.fitted("item-knn", ["shrink": .int(0), "damping": .int(0), "k": .int(1)])
        XCTAssertEqual(one.predict(user: 3, item: 1)!, 25.0 / 6.0, accuracy: 1e-5)
        // With a single stored candidate (i1, which u4 did not rate) only the baseline is left: μ + b_u4 + b_i2.
        let shallow = try StrategyTestData.fitted("item-knn", ["shrink": .int(0), "damping": .int(0), "k": .int(1), "candidates": .int(1)])
        XCTAssertEqual(shallow.predict(user: 3, item: 1)!, 0.5 + 11.0 / 3.0, accuracy: 1e-5)
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

final class UserKNNTests: XCTestCase {
    private func neighbours(_ r: any Recommender, _ user: Int) -> [Int: Float] {
        Dictionary(uniqueKeysWithValues: (r as! UserKNNRecommender).neighbours(of: user).map { ($0.user, $0.similarity) })
    }

    func testBinaryCosineUserSimilaritiesByHand() throws {
        // Item sets: u1 {1,2,3}, u2 {1,2}, u3 {2,3,4}, u4 {4}.
        let r = try StrategyTestData.fitted("user-knn", ["shrink": .int(0), "binarize": .bool(true)])
        let c12 = 2 / Float(6).squareRoot(), c23 = 1 / Float(6).squareRoot(), c34 = 1 / Float(3).squareRoot()
        let expected: [[Int: Float]] = [[1: c12, 2: 2.0 / 3.0], [0: c12, 2: c23], [0: 2.0 / 3.0, 1: c23, 3: c34], [2: c34], [:]]
        for u in 0..<5 {
            let got = neighbours(r, u)
            XCTAssertEqual(Set(got.keys), Set(expected[u].keys), "user \(u)")
            for (v, s) in expected[u] { XCTAssertEqual(got[v]!, s, accuracy: 1e-6) }
        }
    }

    func testScoresSumNeighbourSimilarities() throws {
        let r = try StrategyTestData.fitted("user-knn", ["shrink": .int(0), "binarize": .bool(true)])
        // u2's neighbours: u1 (2/√6) with {1,2,3}, u3 (1/√6) with {2,3,4}.
        let s = StrategyTestData.scores(r, user: 1)
        XCTAssertEqual(s[2], 3 / Float(6).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(s[3], 1 / Float(6).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(s[4], -1, accuracy: 1e-6)
        XCTAssertEqual(StrategyTestData.ranking(r, user: 1), [2, 3, 4])
        // k = 1 keeps u1 only: item 4 is unreached and falls below item 3, above the never-rated item 5.
        let one = try StrategyTestData.fitted("user-knn", ["shrink": .int(0), "k": .int(1), "binarize": .bool(true)])
        XCTAssertEqual(StrategyTestData.scores(one, user: 1)[3], -1 + 2.0 / 4.0, accuracy: 1e-6)
        XCTAssertEqual(StrategyTestData.ranking(one, user: 1), [2, 3, 4])
        // Rating values: cos(u2, u1) = 40/√(41·42), cos(u2, u3) = 10/√(41·45); s(u2, i3) = cos(u2,u1)·1 + cos(u2,u3)·5.
        let weighted = try StrategyTestData.fitted("user-knn", ["shrink": .int(0), "binarize": .bool(false)])
        XCTAssertEqual(StrategyTestData.scores(weighted, user: 1)[2], 40 / Float(41 * 42).squareRoot() + 50 / Float(41 * 45).squareRoot(),
                       accuracy: 1e-5)
        XCTAssertEqual(StrategyTestData.ranking(r, user: 4), [1, 0, 2, 3, 4], "cold user: popularity")
    }

    func testRatingPredictionIsBaselineCentredAverage() throws {
        let r = try StrategyTestData.fitted("user-knn", ["shrink": .int(0), "damping": .int(0), "binarize": .bool(true)])
        // r̂(u4, i3): the only neighbour u3 rated i3 = 5: r̂ = b(u4,i3) + 5 − b(u3,i3) = 5 + b_u4 − b_u3,
        // with undamped b_u4 = 0.5 and b_u3 = mean(2 − 11/3, 5 − 3, 4 − 4.5) = −1/18.
        XCTAssertEqual(r.predict(user: 3, item: 2)!, 5 + 0.5 + 1.0 / 18.0, accuracy: 1e-5)
        // No neighbour rated i1 for u4: the baseline μ + b_u4 + b_i1 = 0.5 + 4.5.
        XCTAssertEqual(r.predict(user: 3, item: 0)!, 5, accuracy: 1e-5)
    }

    func testPearsonCentresOnUserMeans() throws {
        // Numpy reference: Pearson over co-rated items with each user's mean over all their ratings.
        // u1 (mean 10/3) and u2 (mean 4.5) share i1, i2: centred (5/3, 2/3) and (−1/2, 1/2): dot −1/2 < 0, dropped.
        // u1 and u3 (mean 11/3) share i2, i3: (2/3, −7/3) and (−5/3, 4/3): negative, dropped.
        // u3 and u4 (mean 5) share i4: (1/3) and (0): zero denominator, dropped.
        let r = try StrategyTestData.fitted("user-knn", ["shrink": .int(0), "similarity": .string("pearson")])
        for u in 0..<5 { XCTAssertTrue(neighbours(r, u).isEmpty, "user \(u)") }
        // u2 and u3 share i2 only: (1/2) and (−5/3): negative as well.
        XCTAssertEqual(StrategyTestData.ranking(r, user: 0), [3, 4], "no neighbours: popularity order of the rest")
    }
}

/// Determinism on data large enough for the parallel loops to split into many chunks.
final class ParallelDeterminismTests: XCTestCase {
    func testNeighbourhoodsAndEASEDoNotDependOnThreadCount() throws {
        var rng = SeededRandom(seed: 5)
        var rows = [(Int, Int, Float, Int64)]()
        for u in 1...300 {
            var seen = Set<Int>()
            for t in 0..<(5 + rng.nextInt(30)) {
                let i = 1 + min(rng.nextInt(120), rng.nextInt(120))
                if seen.insert(i).inserted { rows.append((u, i, Float(1 + rng.nextInt(5)), Int64(t))) }
            }
        }
        let train = TrainingSet(dataset: Dataset(content: TestSupport.tinyContent(users: 300, movies: 120, ratings: rows)),
                                feedback: .explicit)
        for (type, params) in [("item-knn", ["similarity": ParamValue.string("pearson")]), ("user-knn", [:]), ("ease", [:])] {
            func run() throws -> [[Float]] {
                let r = try StrategyTestData.fitted(type, params, train: train)
                return stride(from: 0, to: 300, by: 7).map { StrategyTestData.scores(r, user: $0, items: 120) }
            }
            XCTAssertEqual(try StrategyTestData.scoresWithThreads("1", run), try StrategyTestData.scoresWithThreads("3", run), type)
        }
    }
}
