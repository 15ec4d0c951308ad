import Foundation
import RecLabCore
import RecLabEval
import RecLabResults
import RecLabSplits
import RecLabTestSupport
import XCTest

/// The evaluation protocols of `split:` (holdout, k-fold, user- and global-temporal, leave-one-out with full and
/// sampled ranking, strong generalisation): the splits' defining properties, and a most-popular sanity check on
/// every protocol against a reference computed here directly from the folds (counting, sorting, the textbook
/// nDCG and recall), independent of the runner, the strategy and the metric code.
final class ProtocolTests: XCTestCase {
    /// 60 users, 40 movies, 6 to 20 ratings each with distinct times, skewed item popularity.
    private let dataset: Dataset = {
        var rng = SeededRandom(seed: 7, stream: "protocol-test")
        var rows: [(Int, Int, Float, Int64)] = []
        for u in 1...60 {
            let n = 6 + rng.nextInt(15)
            var seen = Set<Int>()
            var t: Int64 = 1_000_000 + Int64(u)
            while seen.count < n {
                // Squared uniform: low movie ids are more popular.
                let m = 1 + Int(Double(40) * pow(rng.nextDouble(), 2))
                guard seen.insert(m).inserted else { continue }
                t += Int64(1 + rng.nextInt(1000))
                rows.append((u, m, Float(1 + rng.nextInt(5)), t))
            }
        }
        return Dataset(content: TestSupport.tinyContent(users: 60, movies: 40, ratings: rows))
    }()

    private func run(split: String, metrics: String = "[ndcg@5, recall@5]", strategies: String = "[{name: pop, type: most-popular}]") throws -> OfflineResults {
        let config = try ExperimentConfig.parse(text: """
            name: protocol
            seed: 11
            dataset: {synthetic: \(TestSupport.packageRoot.path)/datasets/tiny.yaml}
            split: \(split)
            relevance: 4.0
            strategies: \(strategies)
            metrics: \(metrics)
            """, path: "protocol.yaml", validate: ExperimentConfig.registryValidator)
        return try ExperimentRunner.run(config, dataset: dataset, context: RunContext(threads: 2)).document
    }

    /// Most-popular's mean nDCG@k and recall@k over the folds, computed directly: popularity = distinct training
    /// users per item, ties to the lower index; each user's list skips their training and fold-in items; relevant
    /// = test rating >= 4 and not already seen; users without a relevant item are left out; per-user values
    /// averaged over the folds that evaluated them, then over users.
    private func reference(_ folds: [SplitFold], k: Int) -> (ndcg: Double, recall: Double) {
        var sums: [Int32: (ndcg: Double, recall: Double, n: Int)] = [:]
        for fold in folds {
            var users = [Set<Int32>](repeating: [], count: dataset.itemCount)
            for r in fold.train { users[Int(dataset.items[Int(r)])].insert(dataset.users[Int(r)]) }
            let counts = users.map(\.count)
            let ranking: [Int] = (0..<dataset.itemCount).sorted { (a: Int, b: Int) -> Bool in
                counts[a] != counts[b] ? counts[a] > counts[b] : a < b
            }
            var seen: [Int32: Set<Int32>] = [:]
            for r in fold.train + fold.foldIn { seen[dataset.users[Int(r)], default: []].insert(dataset.items[Int(r)]) }
            var relevant: [Int32: Set<Int32>] = [:]
            for r in fold.test where dataset.ratings[Int(r)] >= 4 {
                let u = dataset.users[Int(r)], i = dataset.items[Int(r)]
                if !(seen[u]?.contains(i) ?? false) { relevant[u, default: []].insert(i) }
            }
            for (u, rel) in relevant {
                let userSeen = seen[u] ?? []
                let list: [Int32] = Array(ranking.map { Int32($0) }.filter { !userSeen.contains($0) }.prefix(k))
                var dcg = 0.0, hits = 0
                for (pos, item) in list.enumerated() where rel.contains(item) { dcg += 1 / log2(Double(pos + 2)); hits += 1 }
                var idcg = 0.0
                for i in 0..<min(k, rel.count) { idcg += 1 / log2(Double(i + 2)) }
                let s = sums[u] ?? (0, 0, 0)
                sums[u] = (s.ndcg + dcg / idcg, s.recall + Double(hits) / Double(rel.count), s.n + 1)
            }
        }
        let perUser = sums.values.map { ($0.ndcg / Double($0.n), $0.recall / Double($0.n)) }
        return (perUser.map(\.0).reduce(0, +) / Double(perUser.count), perUser.map(\.1).reduce(0, +) / Double(perUser.count))
    }

    private func mean(_ d: OfflineResults, _ metric: String) throws -> Double {
        try XCTUnwrap(d.results.first { $0.metric == metric && $0.fold == nil }, metric).mean
    }

    func testMostPopularMatchesTheReferenceOnEveryProtocol() throws {
        let protocols: [(String, SplitMethod)] = [
            ("{method: holdout, fraction: 0.25}", .holdout(testFraction: 0.25)),
            ("{method: kfold, k: 3}", .kFold(k: 3)),
            ("{method: user-temporal, fraction: 0.3}", .userLastFraction(fraction: 0.3)),
            ("{method: user-temporal, last: 2}", .userLastK(k: 2)),
            ("{method: global-temporal, fraction: 0.3}", .globalTimeFraction(testFraction: 0.3)),
            ("{method: leave-one-out, sampled_negatives: 0}", .leaveOneOut(sampledNegatives: 0)),
            ("{method: strong-generalization, users: 0.3, fold_in: 0.6}", .strongGeneralization(heldOutUsers: 0.3, foldIn: 0.6)),
        ]
        for (text, method) in protocols {
            let folds = try Splitter.folds(for: dataset, method: method, seed: 11)
            let expected = reference(folds, k: 5)
            let d = try run(split: text)
            XCTAssertEqual(try mean(d, "ndcg@5"), expected.ndcg, accuracy: 1e-12, text)
            XCTAssertEqual(try mean(d, "recall@5"), expected.recall, accuracy: 1e-12, text)
            XCTAssertGreaterThan(expected.ndcg, 0, text)
        }
    }

    /// Leave-one-out: one test interaction per user (the latest), and the sampled variants beside the full ones:
    /// never below them (the test item can only rank higher among fewer candidates), and equal to them when the
    /// sample is every item the user never interacted with.
    func testLeaveOneOutSampledMetricsSitBesideFullRanking() throws {
        let folds = try Splitter.folds(for: dataset, method: .leaveOneOut(sampledNegatives: 100), seed: 11)
        let fold = try XCTUnwrap(folds.first)
        var perUser: [Int32: Int] = [:]
        for r in fold.test { perUser[dataset.users[Int(r)], default: 0] += 1 }
        XCTAssertEqual(perUser.count, 60)
        XCTAssert(perUser.values.allSatisfy { $0 == 1 })
        for r in fold.test {
            let u = Int(dataset.users[Int(r)])
            XCTAssertEqual(Int(r), dataset.userStart[u + 1] - 1, "the test row is the user's latest")
        }
        let sampled = try run(split: "{method: leave-one-out, sampled_negatives: 10}", metrics: "[ndcg@5, hit@5]")
        XCTAssertEqual(sampled.results.filter { $0.fold == nil }.map(\.metric), ["ndcg@5", "hit@5", "sampled-ndcg@5", "sampled-hit@5"])
        XCTAssertGreaterThan(try mean(sampled, "sampled-hit@5"), try mean(sampled, "hit@5"))
        XCTAssertGreaterThanOrEqual(try mean(sampled, "sampled-ndcg@5"), try mean(sampled, "ndcg@5"))
        // 40 items: a sample of 1000 negatives is capped at every unseen item, which is the full ranking.
        let all = try run(split: "{method: leave-one-out, sampled_negatives: 1000}", metrics: "[ndcg@5, hit@5]")
        XCTAssertEqual(try mean(all, "sampled-ndcg@5"), try mean(all, "ndcg@5"), accuracy: 1e-12)
        XCTAssertEqual(try mean(all, "sampled-hit@5"), try mean(all, "hit@5"), accuracy: 1e-12)
        XCTAssertEqual(try mean(all, "ndcg@5"), reference(folds, k: 5).ndcg, accuracy: 1e-12)
    }

    /// Strong generalisation: held-out users are absent from training; their rows are split into fold-in and test.
    func testStrongGeneralizationHoldsOutWholeUsers() throws {
        let fold = try XCTUnwrap(Splitter.folds(for: dataset, method: .strongGeneralization(heldOutUsers: 0.25, foldIn: 0.8), seed: 3).first)
        let trainUsers = Set(fold.train.map { dataset.users[Int($0)] })
        let heldOut = Set(fold.test.map { dataset.users[Int($0)] })
        XCTAssertEqual(heldOut.count, 15)
        XCTAssertTrue(trainUsers.isDisjoint(with: heldOut))
        XCTAssertEqual(Set(fold.foldIn.map { dataset.users[Int($0)] }), heldOut)
        XCTAssertEqual(fold.train.count + fold.test.count + fold.foldIn.count, dataset.interactionCount)
        for u in heldOut {
            let n = dataset.userStart[Int(u) + 1] - dataset.userStart[Int(u)]
            let given = fold.foldIn.filter { dataset.users[Int($0)] == u }.count
            XCTAssertEqual(given, min(n - 1, max(1, Int((Double(n) * 0.8).rounded()))))
        }
        // Strategies that fold in run; ease's fold-in scores held-out users from their history (not popularity).
        let d = try run(split: "{method: strong-generalization, users: 0.25}",
                        strategies: "[{name: ease, type: ease, params: {lambda: 10}}, {name: ials, type: implicit-als, params: {factors: 4}}, {name: knn, type: item-knn}]")
        XCTAssertEqual(d.strategies.map(\.name), ["ease", "ials", "knn"])
        XCTAssert(d.results.allSatisfy { $0.mean.isFinite })
    }

    func testStrongGeneralizationRefusesStrategiesThatCannotFoldIn() throws {
        do {
            _ = try run(split: "{method: strong-generalization}", strategies: "\n  - {name: pop, type: most-popular}\n  - {name: b, type: bpr}")
            XCTFail("bpr cannot fold in")
        } catch let e as RecLabError {
            XCTAssertEqual(e.file, "protocol.yaml")
            XCTAssertEqual(e.line, 8)
            XCTAssertEqual(e.key, "strategies[1].type")
            XCTAssert(e.message.contains("bpr cannot fold in held-out users"), e.message)
            XCTAssert(e.message.contains("item-knn, implicit-als, ease"), e.message)
        }
        for bad in ["{method: strong-generalization, users: 1.5}", "{method: strong-generalization, fold_in: 0}",
                    "{method: leave-one-out, sampled_negatives: -1}", "{method: leave-one-out, typo: 1}"] {
            XCTAssertThrowsError(try run(split: bad), bad) { error in
                XCTAssertEqual((error as? RecLabError)?.file, "protocol.yaml", bad)
                XCTAssertNotNil((error as? RecLabError)?.line, bad)
            }
        }
    }
}
