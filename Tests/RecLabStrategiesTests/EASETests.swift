import RecLabCore
import RecLabStrategies
import XCTest

final class EASETests: XCTestCase {
    /// Independent dense reference: P = (XᵀX + λI)⁻¹ by Gauss–Jordan elimination in Double, B = I − P diag(1/diag P).
    private func referenceB(x: [[Double]], lambda: Double) -> [[Double]] {
        let n = x[0].count
        var a = (0..<n).map { i in (0..<n).map { j in x.reduce(0) { $0 + $1[i] * $1[j] } + (i == j ? lambda : 0) } }
        var inv = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
        for col in 0..<n {
            let pivot = (col..<n).max { abs(a[$0][col]) < abs(a[$1][col]) }!
            a.swapAt(col, pivot); inv.swapAt(col, pivot)
            let d = a[col][col]
            for j in 0..<n { a[col][j] /= d; inv[col][j] /= d }
            for r in 0..<n where r != col {
                let f = a[r][col]
                for j in 0..<n { a[r][j] -= f * a[col][j]; inv[r][j] -= f * inv[col][j] }
            }
        }
        return (0..<n).map { i in (0..<n).map { j in i == j ? 0 : -inv[i][j] / inv[j][j] } }
    }

    func testWeightsMatchDenseReferenceAndHaveZeroDiagonal() throws {
        let r = try StrategyTestData.fitted("ease", ["lambda": .double(0.5)]) as! EASERecommender
        // Binary X of users 1–4 over the four rated items (item 5 has no data and is left out of the solve).
        let x: [[Double]] = [[1, 1, 1, 0], [1, 1, 0, 0], [0, 1, 1, 1], [0, 0, 0, 1]]
        let b = referenceB(x: x, lambda: 0.5)
        for i in 0..<4 {
            XCTAssertEqual(r.weight(from: i, to: i), 0)
            for j in 0..<4 { XCTAssertEqual(Double(r.weight(from: i, to: j)), b[i][j], accuracy: 1e-4, "B[\(i)][\(j)]") }
            XCTAssertEqual(r.weight(from: i, to: 4), 0)
            XCTAssertEqual(r.weight(from: 4, to: i), 0)
        }
        // score_u = x_uᵀ B: u4 holds i4 only, so its scores are B's row 4.
        let s = StrategyTestData.scores(r, user: 3)
        for j in 0..<4 { XCTAssertEqual(Double(s[j]), b[3][j], accuracy: 1e-4) }
        XCTAssertEqual(s[4], 0)
        // u1 holds i1, i2, i3: the sum of those rows.
        XCTAssertEqual(Double(StrategyTestData.scores(r, user: 0)[3]), b[0][3] + b[1][3] + b[2][3], accuracy: 1e-4)
    }

    func testRatingValuesWhenNotBinarized() throws {
        let r = try StrategyTestData.fitted("ease", ["lambda": .double(2), "binarize": .bool(false)]) as! EASERecommender
        let x: [[Double]] = [[5, 4, 1, 0], [4, 5, 0, 0], [0, 2, 5, 4], [0, 0, 0, 5]]
        let b = referenceB(x: x, lambda: 2)
        for i in 0..<4 { for j in 0..<4 { XCTAssertEqual(Double(r.weight(from: i, to: j)), b[i][j], accuracy: 1e-4) } }
        XCTAssertEqual(Double(StrategyTestData.scores(r, user: 3)[2]), 5 * b[3][2], accuracy: 1e-4)
    }

    func testRankingExcludesTrainingItemsAndColdUserGetsPopularity() throws {
        let r = try StrategyTestData.fitted("ease")
        XCTAssertEqual(Set(StrategyTestData.ranking(r, user: 0)), [3, 4])
        XCTAssertEqual(StrategyTestData.ranking(r, user: 4), [1, 0, 2, 3, 4])
        XCTAssertFalse(r.predictsRatings)
    }

    func testCatalogueGuardAndBadLambda() {
        XCTAssertThrowsError(try StrategyTestData.fitted("ease", ["max_items": .int(3)])) {
            XCTAssertEqual(($0 as? RecLabError)?.key, "max_items")
        }
        XCTAssertThrowsError(try StrategyTestData.fitted("ease", ["lambda": .int(0)])) {
            XCTAssertEqual(($0 as? RecLabError)?.key, "lambda")
        }
    }

    func testSameResultWhateverTheThreadCount() throws {
        func run() throws -> [[Float]] {
            let r = try StrategyTestData.fitted("ease", ["lambda": .int(1)])
            return (0..<5).map { StrategyTestData.scores(r, user: $0) }
        }
        XCTAssertEqual(try StrategyTestData.scoresWithThreads("1", run), try StrategyTestData.scoresWithThreads("5", run))
    }
}

/// `top_items`: EASE on the most-watched titles only, the rest ranked after them by popularity.
final class EASERestrictionTests: XCTestCase {
    func testRestrictedModelIsEASEOnTheTopColumns() throws {
        let train = StrategyTestData.train(.implicit)
        // Item interaction counts decide which titles are modelled.
        let counts = (0..<train.itemCount).map { train.byItem.count(ofRow: $0) }
        let top2 = (0..<train.itemCount).filter { counts[$0] > 0 }.sorted { (counts[$0], $1) > (counts[$1], $0) }.prefix(2).sorted()
        let full = try StrategyTestData.fitted("ease", ["lambda": .double(0.5)], train: train) as! EASERecommender
        let restricted = try StrategyTestData.fitted("ease", ["lambda": .double(0.5), "top_items": .int(2)], train: train) as! EASERecommender
        let wide = try StrategyTestData.fitted("ease", ["lambda": .double(0.5), "top_items": .int(1000)], train: train) as! EASERecommender
        // A budget above the catalogue changes nothing.
        for u in 0..<train.userCount {
            XCTAssertEqual(StrategyTestData.scores(wide, user: u), StrategyTestData.scores(full, user: u))
        }
        // Modelled pairs: the closed form on X restricted to the two columns (2 × 2: B_01 = −P_01 / P_11).
        let x = (0..<train.userCount).map { u in top2.map { i in train.byUser.columns[train.byUser.range(ofRow: u)].contains(Int32(i)) ? 1.0 : 0.0 } }
        let g00 = x.reduce(0) { $0 + $1[0] * $1[0] } + 0.5, g11 = x.reduce(0) { $0 + $1[1] * $1[1] } + 0.5
        let g01 = x.reduce(0) { $0 + $1[0] * $1[1] }
        let det = g00 * g11 - g01 * g01
        let p01 = -g01 / det, p11 = g00 / det, p00 = g11 / det
        XCTAssertEqual(Double(restricted.weight(from: top2[0], to: top2[1])), -p01 / p11, accuracy: 1e-5)
        XCTAssertEqual(Double(restricted.weight(from: top2[1], to: top2[0])), -p01 / p00, accuracy: 1e-5)
        let others = (0..<train.itemCount).filter { !top2.contains($0) }
        for i in others { XCTAssertEqual(restricted.weight(from: i, to: top2[0]), 0) }
        // Every unmodelled title ranks below every modelled one, and among themselves by popularity.
        var checked = 0
        for u in 0..<train.userCount {
            let s = StrategyTestData.scores(restricted, user: u)
            // A user without a modelled title (u4 holds only i4, u5 nothing) gets the popularity ranking.
            guard x[u].contains(1) else { XCTAssertEqual(s, counts.map(Float.init), "user \(u)"); continue }
            checked += 1
            let lowestModelled = top2.map { s[$0] }.min()!
            for i in others { XCTAssertLessThan(s[i], lowestModelled, "user \(u) item \(i)") }
            for a in others { for b in others where counts[a] > counts[b] { XCTAssertGreaterThan(s[a], s[b]) } }
        }
        XCTAssertEqual(checked, 3)
    }

    func testMemoryEstimateFollowsTheModelledTitles() throws {
        let full = try StrategyRegistry.make(type: "ease", parameters: Parameters([:]))
        let top = try StrategyRegistry.make(type: "ease", parameters: Parameters(["top_items": .int(20_000)]))
        XCTAssertEqual(full.estimatedFitBytes(users: 200_000, items: 87_000, interactions: 32_000_000), 4 * 87_000 * 87_000)
        XCTAssertEqual(top.estimatedFitBytes(users: 200_000, items: 87_000, interactions: 32_000_000), 4 * 20_000 * 20_000)
        XCTAssertEqual(top.estimatedFitBytes(users: 10, items: 500, interactions: 900), 4 * 500 * 500)
        let advice = try XCTUnwrap(full.memoryAlternatives(budget: 4 * 30_000 * 30_000, items: 87_000))
        XCTAssertTrue(advice.contains("at most 30000"), advice)
        XCTAssertNil(try StrategyRegistry.make(type: "item-knn", parameters: Parameters([:])).estimatedFitBytes(users: 1, items: 1, interactions: 1))
    }
}
