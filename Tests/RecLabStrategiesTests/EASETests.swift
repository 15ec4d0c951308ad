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
