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

    /// top_items: B learnt on the most-watched titles only (items 1 then 0: 3 and 2 users, tie to the lower
    /// index), the other titles ranked after them by popularity; a user with none of them gets popularity.
    func testTopItemsRestrictsTheModelAndRanksTheRestAfterIt() throws {
        let r = try StrategyTestData.fitted("ease", ["lambda": .double(0.5), "top_items": .int(2)]) as! EASERecommender
        let b = referenceB(x: [[1, 1], [1, 1], [0, 1], [0, 0]], lambda: 0.5)
        XCTAssertEqual(Double(r.weight(from: 0, to: 1)), b[0][1], accuracy: 1e-4)
        XCTAssertEqual(Double(r.weight(from: 1, to: 0)), b[1][0], accuracy: 1e-4)
        for i in 2..<5 { XCTAssertEqual(r.weight(from: i, to: 0), 0); XCTAssertEqual(r.weight(from: 1, to: i), 0) }
        // u3 holds items 1, 2, 3: item 1 is modelled, so item 0 scores B[1][0]; items 2-4 rank below it by popularity.
        let s = StrategyTestData.scores(r, user: 2)
        XCTAssertEqual(Double(s[0]), b[1][0], accuracy: 1e-4)
        XCTAssertLessThan(s[4], min(s[0], s[1]))
        XCTAssertLessThan(s[4], s[3], "item 3 (2 users) above item 4 (none)")
        XCTAssertEqual(StrategyTestData.ranking(r, user: 2), [0, 4])
        // u4 holds item 3 only (outside the top 2): the popularity ranking.
        XCTAssertEqual(StrategyTestData.ranking(r, user: 3), [1, 0, 2, 4])
        // Block scoring (what the evaluation uses) gives each user's own scores.
        let users: [Int32] = [0, 1, 2, 3, 4]
        var block = [Float](repeating: .nan, count: users.count * 5)
        users.withUnsafeBufferPointer { u in block.withUnsafeMutableBufferPointer { r.scoreBlock(users: u, into: $0) } }
        for user in 0..<5 { XCTAssertEqual(Array(block[(user * 5)..<(user * 5 + 5)]), StrategyTestData.scores(r, user: user), "user \(user)") }
    }

    /// The size check runs before any work, gives the figure and the alternatives, and top_items lifts it.
    func testCapacityCheckGivesTheFigureAndAlternatives() throws {
        let limited = try StrategyRegistry.make(type: "ease", parameters: Parameters(["max_items": .int(20_000)]))
        XCTAssertThrowsError(try limited.checkCapacity(itemsWithInteractions: 59_000)) {
            let e = $0 as? RecLabError
            XCTAssertEqual(e?.key, "max_items")
            XCTAssertTrue(e?.message.contains("13.9 GB") == true, "4 x 59000² bytes: \(String(describing: e))")
            XCTAssertTrue(e?.message.contains("top_items") == true && e?.message.contains("item-knn") == true)
        }
        let restricted = try StrategyRegistry.make(type: "ease", parameters: Parameters(["max_items": .int(20_000), "top_items": .int(20_000)]))
        XCTAssertNoThrow(try restricted.checkCapacity(itemsWithInteractions: 59_000))
        XCTAssertNoThrow(try StrategyRegistry.make(type: "item-knn", parameters: Parameters()).checkCapacity(itemsWithInteractions: 59_000))
    }

    func testSameResultWhateverTheThreadCount() throws {
        func run() throws -> [[Float]] {
            let r = try StrategyTestData.fitted("ease", ["lambda": .int(1)])
            return (0..<5).map { StrategyTestData.scores(r, user: $0) }
        }
        XCTAssertEqual(try StrategyTestData.scoresWithThreads("1", run), try StrategyTestData.scoresWithThreads("5", run))
    }
}
