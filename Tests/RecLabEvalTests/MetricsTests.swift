import RecLabCore
import RecLabEval
import RecLabStrategies
import RecLabTestSupport
import RecLabResults
import XCTest

/// Metric values on tiny cases worked out by hand (the arithmetic is in the comments), including the
/// edge cases: no relevant item, ties in scores, k larger than the list.
final class MetricsTests: XCTestCase {
    private let eps = 1e-9

    // Ranked list: relevant at ranks 1 and 3 of 5; the user has 3 relevant items.
    private let hits = RankedHits(hits: [true, false, true, false, false], relevantCount: 3)

    func testPrecisionRecallHitAtFive() {
        XCTAssertEqual(hits.precision(at: 5), 2.0 / 5, accuracy: eps)
        XCTAssertEqual(hits.recall(at: 5), 2.0 / 3, accuracy: eps)
        XCTAssertEqual(hits.hit(at: 5), 1)
        XCTAssertEqual(hits.reciprocalRank(at: 5), 1)
    }

    func testNDCGBinaryGainsLog2Discount() {
        // DCG@5 = 1/log2(2) + 1/log2(4) = 1.5; IDCG over min(5, 3) = 3 items = 1 + 1/log2(3) + 1/2.
        let idcg3 = 1 + 1 / log2(3.0) + 0.5
        XCTAssertEqual(hits.ndcg(at: 5), 1.5 / idcg3, accuracy: eps)
        XCTAssertEqual(hits.ndcg(at: 5), 0.703918, accuracy: 1e-6)
        // k = 2: DCG = 1, IDCG over min(2, 3) = 2 items = 1 + 1/log2(3).
        XCTAssertEqual(hits.ndcg(at: 2), 1 / (1 + 1 / log2(3.0)), accuracy: eps)
        // A perfect list scores 1 even when the user has more relevant items than k.
        XCTAssertEqual(RankedHits(hits: [true, true], relevantCount: 5).ndcg(at: 2), 1, accuracy: eps)
    }

    func testAveragePrecisionNormalisedByMinKRelevant() {
        // Hits at ranks 1 and 3: precisions 1/1 and 2/3; normalised by min(5, 3) = 3.
        XCTAssertEqual(hits.averagePrecision(at: 5), (1 + 2.0 / 3) / 3, accuracy: eps)
        // k = 2: only the hit at rank 1 counts; normaliser min(2, 3) = 2.
        XCTAssertEqual(hits.averagePrecision(at: 2), 0.5, accuracy: eps)
        XCTAssertEqual(hits.precision(at: 2), 0.5, accuracy: eps)
        XCTAssertEqual(hits.recall(at: 2), 1.0 / 3, accuracy: eps)
        // k = 1.
        XCTAssertEqual(hits.averagePrecision(at: 1), 1, accuracy: eps)
    }

    func testReciprocalRankOfLaterHit() {
        let h = RankedHits(hits: [false, false, true, true], relevantCount: 2)
        XCTAssertEqual(h.reciprocalRank(at: 4), 1.0 / 3, accuracy: eps)
        XCTAssertEqual(h.reciprocalRank(at: 2), 0)
        XCTAssertEqual(h.hit(at: 2), 0)
        XCTAssertEqual(h.hit(at: 3), 1)
    }

    func testKLargerThanTheList() {
        // Only 2 items could be recommended (tiny catalogue); the relevant one is second; k = 10.
        let h = RankedHits(hits: [false, true], relevantCount: 1)
        XCTAssertEqual(h.precision(at: 10), 0.1, accuracy: eps)      // denominator stays k
        XCTAssertEqual(h.recall(at: 10), 1, accuracy: eps)
        XCTAssertEqual(h.ndcg(at: 10), 1 / log2(3.0), accuracy: eps) // IDCG over min(10, 1) = 1 item = 1
        XCTAssertEqual(h.averagePrecision(at: 10), 0.5, accuracy: eps)
        XCTAssertEqual(h.reciprocalRank(at: 10), 0.5, accuracy: eps)
        XCTAssertEqual(h.hit(at: 10), 1)
    }

    func testNoRelevantItemsGivesZeroNotNaN() {
        // The runner excludes such users; the functions themselves must still be defined.
        let h = RankedHits(hits: [false, false], relevantCount: 0)
        for v in [h.precision(at: 2), h.recall(at: 2), h.ndcg(at: 2), h.averagePrecision(at: 2), h.reciprocalRank(at: 2), h.hit(at: 2)] {
            XCTAssertEqual(v, 0)
        }
    }

    func testHitsFromRecommendedAndRelevantItems() {
        let h = RankedHits(recommended: [7, 2, 9, 4], relevant: [2, 4, 11])
        XCTAssertEqual(h.hits, [false, true, false, true])
        XCTAssertEqual(h.relevantCount, 3)
        // Precisions at the hits: 1/2 and 2/4; normaliser min(4, 3) = 3.
        XCTAssertEqual(h.averagePrecision(at: 4), (0.5 + 0.5) / 3, accuracy: eps)
    }

    func testTiesInScoresBreakTowardLowerItemIndex() {
        // Items 1, 2 and 3 tie; item 0 is the user's training item and is excluded.
        let scores: [Float] = [9, 0.5, 0.5, 0.5, 0.1]
        let top = scores.withUnsafeBufferPointer { TopK.select(scores: $0, k: 2, excluded: [0]) }
        XCTAssertEqual(top.map(\.item), [1, 2])
        // Relevant item 3 lost the tie: not in the top 2; in the top 3 at rank 3.
        XCTAssertEqual(RankedHits(recommended: top.map(\.item), relevant: [3]).hit(at: 2), 0)
        let top3 = scores.withUnsafeBufferPointer { TopK.select(scores: $0, k: 3, excluded: [0]) }
        XCTAssertEqual(RankedHits(recommended: top3.map(\.item), relevant: [3]).ndcg(at: 3), 0.5, accuracy: eps)
    }

    func testNoveltyAndAveragePopularity() {
        // 4 training users; item 0 seen by all, item 1 by 2, item 2 by 1, item 3 by none.
        let pop = ItemPopularity(userCounts: [4, 2, 1, 0], activeUsers: 4)
        // Self-information: -log2(4/4) = 0, -log2(2/4) = 1, -log2(1/4) = 2, unseen counts as 1 user = 2.
        XCTAssertEqual(pop.selfInformation, [0, 1, 2, 2])
        XCTAssertEqual(ListMetrics.novelty([1, 2], popularity: pop)!, 1.5, accuracy: eps)
        XCTAssertEqual(ListMetrics.novelty([3], popularity: pop)!, 2, accuracy: eps)
        XCTAssertEqual(ListMetrics.averagePopularity([0, 1], popularity: pop)!, 3, accuracy: eps)
        XCTAssertEqual(ListMetrics.averagePopularity([2, 3], popularity: pop)!, 0.5, accuracy: eps)
        XCTAssertNil(ListMetrics.novelty([], popularity: pop))
    }

    func testItemPopularityFromTrainingSet() {
        let content = TestSupport.tinyContent(users: 3, movies: 3, ratings: [(1, 1, 4, 1), (2, 1, 3, 1), (2, 2, 5, 2)])
        let pop = ItemPopularity(train: TrainingSet(dataset: Dataset(content: content), feedback: .implicit))
        XCTAssertEqual(pop.userCounts, [2, 1, 0])
        XCTAssertEqual(pop.activeUsers, 2)  // user 3 has no training data
    }

    func testIntraListDiversityByGenreJaccard() {
        // Genres: item 0 {0, 1}, item 1 {1}, item 2 {2}, item 3 {}, item 4 {}.
        let genres: [[Int32]] = [[0, 1], [1], [2], [], []]
        // Pairs: (0,1) J = 1/2 -> 0.5; (0,2) J = 0 -> 1; (1,2) J = 0 -> 1. Mean = 2.5 / 3.
        XCTAssertEqual(ListMetrics.intraListDiversity([0, 1, 2], genres: genres)!, 2.5 / 3, accuracy: eps)
        XCTAssertEqual(ListMetrics.intraListDiversity([0, 0], genres: genres)!, 0, accuracy: eps)
        XCTAssertEqual(ListMetrics.intraListDiversity([3, 4], genres: genres)!, 0, accuracy: eps)
        XCTAssertEqual(ListMetrics.intraListDiversity([2, 3], genres: genres)!, 1, accuracy: eps)
        XCTAssertNil(ListMetrics.intraListDiversity([1], genres: genres))
        // The bit-mask form agrees with the set form on every list.
        let masks = try! XCTUnwrap(ListMetrics.genreMasks(genres, genreCount: 3))
        XCTAssertEqual(masks, [0b011, 0b010, 0b100, 0, 0])
        for list: [Int32] in [[0, 1, 2], [0, 0], [3, 4], [2, 3], [4, 1, 0, 3]] {
            XCTAssertEqual(ListMetrics.intraListDiversity(list[...], genreMasks: masks)!,
                           ListMetrics.intraListDiversity(list[...], genres: genres)!, accuracy: eps)
        }
        XCTAssertNil(ListMetrics.genreMasks(genres, genreCount: 65))
    }

    func testCoverageAndGini() {
        XCTAssertEqual(CatalogueMetrics.coverage(exposure: [3, 0, 1, 0]), 0.5, accuracy: eps)
        // Sorted [0, 0, 1, 3]: Σ (2i - n - 1) x_i = 1·1 + 3·3 = 10; / (n Σx = 4·4) = 0.625.
        // Cross-check with the mean-absolute-difference form: Σ_ij |xi - xj| = 20; 20 / (2 n² mean) = 0.625.
        XCTAssertEqual(CatalogueMetrics.gini(exposure: [3, 0, 1, 0]), 0.625, accuracy: eps)
        XCTAssertEqual(CatalogueMetrics.gini(exposure: [2, 2, 2]), 0, accuracy: eps)
        XCTAssertEqual(CatalogueMetrics.gini(exposure: [0, 0, 0]), 0, accuracy: eps)
        // All exposure on one of n items: (n - 1) / n.
        XCTAssertEqual(CatalogueMetrics.gini(exposure: [0, 0, 0, 5]), 0.75, accuracy: eps)
        XCTAssertEqual(CatalogueMetrics.coverage(exposure: []), 0)
    }

    func testRMSEAndMAE() {
        var acc = ErrorAccumulator()
        // Errors -1, 0, 2: RMSE = sqrt(5/3), MAE = 1.
        for (p, t) in [(3.0, 4.0), (4.0, 4.0), (5.0, 3.0)] { acc.add(prediction: p, truth: t) }
        XCTAssertEqual(acc.rmse, (5.0 / 3).squareRoot(), accuracy: eps)
        XCTAssertEqual(acc.mae, 1, accuracy: eps)
        var other = ErrorAccumulator()
        other.add(prediction: 1, truth: 1)
        acc.merge(other)
        XCTAssertEqual(acc.rmse, (5.0 / 4).squareRoot(), accuracy: eps)
        XCTAssertTrue(ErrorAccumulator().rmse.isNaN)
    }

    func testMetricParsing() throws {
        let ndcg = try MetricRegistry.parse("ndcg@10")
        XCTAssertEqual(ndcg.map(\.name), ["ndcg@10"])
        XCTAssertEqual((ndcg.first as? NDCGMetric)?.k, 10)
        XCTAssertEqual(try MetricRegistry.parse("recall@[5, 10,20]").map(\.name), ["recall@5", "recall@10", "recall@20"])
        XCTAssertTrue(try MetricRegistry.parse("rmse").first is RMSEMetric)
        XCTAssertEqual(try MetricRegistry.parse("MAP@5").map(\.name), ["map@5"])
        XCTAssertThrowsError(try MetricRegistry.parse("ndgc@10")) { XCTAssertTrue("\($0)".contains("unknown metric 'ndgc'")) }
        XCTAssertThrowsError(try MetricRegistry.parse("ndcg")) { XCTAssertTrue("\($0)".contains("needs a cutoff")) }
        XCTAssertThrowsError(try MetricRegistry.parse("rmse@5")) { XCTAssertTrue("\($0)".contains("takes no cutoff")) }
        XCTAssertThrowsError(try MetricRegistry.parse("hit@0")) { XCTAssertTrue("\($0)".contains("bad cutoff")) }
        XCTAssertThrowsError(try MetricRegistry.parse("hit@1001")) { XCTAssertTrue("\($0)".contains("out of range")) }
    }

    /// Every registered metric: its kind, direction and cutoff rule, by config name.
    func testRegistryMapsNamesToMetricsWithTheirDirection() throws {
        XCTAssertEqual(MetricRegistry.baseNames, ["rmse", "mae", "precision", "recall", "ndcg", "map", "mrr", "hit",
                                                  "coverage", "gini", "novelty", "diversity", "popularity"])
        let lower: Set<String> = ["rmse", "mae", "gini", "popularity"]
        for t in MetricRegistry.types {
            XCTAssertEqual(t.direction == .lower, lower.contains(t.baseName), t.baseName)
            // Documents that carry no direction are read with RecLabResults' rule: it must agree with every metric's own.
            XCTAssertEqual(t.direction == .lower, MetricDirection.lowerIsBetter(t.baseName), t.baseName)
            let rating = ["rmse", "mae"].contains(t.baseName)
            XCTAssertEqual(t.takesCutoff, !rating, t.baseName)
            let metric = try XCTUnwrap(MetricRegistry.parse(rating ? t.baseName : "\(t.baseName)@7").first)
            XCTAssertEqual(metric.cutoff, rating ? nil : 7)
            XCTAssertEqual(metric.direction, t.direction)
            XCTAssertEqual(MetricRegistry.direction(ofMetricNamed: metric.name), t.direction)
            let kinds = [metric is any ListMetric, metric is any GlobalMetric, metric is any RatingMetric]
            XCTAssertEqual(kinds.filter { $0 }.count, 1, "\(t.baseName) is exactly one kind of metric")
            XCTAssertEqual(metric is any RatingMetric, rating)
            XCTAssertEqual(metric is any GlobalMetric, ["coverage", "gini"].contains(t.baseName))
        }
        XCTAssertNil(MetricRegistry.direction(ofMetricNamed: "clicks"))
        XCTAssertEqual(MetricRegistry.direction(ofMetricNamed: "gini@10"), .lower)
    }

    /// The metric types compute exactly what the functions they cite compute (same operations, same bits).
    func testMetricTypesGiveTheCitedFunctionsValues() throws {
        let pop = ItemPopularity(userCounts: [4, 2, 1, 0, 3], activeUsers: 4)
        let genres: [[Int32]] = [[0], [0, 1], [1], [], [2]]
        let items: [Int32] = [1, 4, 0, 2]
        let hits = RankedHits(recommended: items, relevant: [0, 2, 3])
        for masks in [ListMetrics.genreMasks(genres, genreCount: 3), nil] {
            let list = UserList(items: items, hits: hits, popularity: pop, genres: genres, genreMasks: masks)
            for k in [1, 2, 3, 10] {
                func v(_ name: String) throws -> Double? {
                    try XCTUnwrap(MetricRegistry.parse("\(name)@\(k)").first as? any ListMetric).value(list)
                }
                let top = items.prefix(k)
                XCTAssertEqual(try v("precision"), hits.precision(at: k))
                XCTAssertEqual(try v("recall"), hits.recall(at: k))
                XCTAssertEqual(try v("ndcg"), hits.ndcg(at: k))
                XCTAssertEqual(try v("map"), hits.averagePrecision(at: k))
                XCTAssertEqual(try v("mrr"), hits.reciprocalRank(at: k))
                XCTAssertEqual(try v("hit"), hits.hit(at: k))
                XCTAssertEqual(try v("novelty"), ListMetrics.novelty(top, popularity: pop))
                XCTAssertEqual(try v("popularity"), ListMetrics.averagePopularity(top, popularity: pop))
                XCTAssertEqual(try v("diversity"), ListMetrics.intraListDiversity(top, genres: genres))
            }
        }
        // Only rank 3 (item 0) is relevant within the top 3, of 3 relevant items: ndcg@3 = (1/2) / (1 + 1/log2 3 + 1/2).
        XCTAssertEqual(NDCGMetric(k: 3).value(UserList(items: items, hits: hits, popularity: pop, genres: genres, genreMasks: nil))!,
                       0.5 / (1 + 1 / log2(3.0) + 0.5), accuracy: eps)
        let exposure = [3, 0, 1, 0]
        XCTAssertEqual(CoverageMetric(k: 5).value(exposure: exposure), CatalogueMetrics.coverage(exposure: exposure))
        XCTAssertEqual(GiniMetric(k: 5).value(exposure: exposure), 0.625, accuracy: eps)
        // Rating errors -1, 0, 2 as in testRMSEAndMAE, through loss and transform.
        for (metric, expected) in [(RMSEMetric() as any RatingMetric, (5.0 / 3).squareRoot()), (MAEMetric(), 1.0)] {
            let mean = [-1.0, 0, 2].map { metric.loss($0) }.reduce(0, +) / 3
            XCTAssertEqual(metric.value(meanLoss: mean), expected, accuracy: eps)
        }
        XCTAssertEqual(RMSEMetric().bound(meanLoss: -0.5), 0)
        XCTAssertEqual(MAEMetric().bound(meanLoss: -0.5), -0.5)
    }
}
