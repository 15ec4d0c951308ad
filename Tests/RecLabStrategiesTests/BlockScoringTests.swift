@testable import RecLabStrategies
import RecLabCore
import RecLabTestSupport
import XCTest

/// `scoreBlock` gives every user of a block the scores `score(user:)` gives them: bit for bit where the block
/// form sums in the same order (EASE, the per-user default), within rounding where it is a GEMM (factor models).
final class BlockScoringTests: XCTestCase {
    /// A block with users in any order, repeated, and one without training data (index 59, all rows held out).
    private func blockAndTrain(_ feedback: FeedbackKind = .implicit) -> (users: [Int32], train: TrainingSet) {
        let p = FactorizationTests.planted(users: 60, items: 30)
        let data = p.dataset
        let rows = p.trainRows.filter { data.users[Int($0)] != 59 }
        return ([5, 0, 59, 17, 5, 42, 1], TrainingSet(dataset: data, rows: rows, feedback: feedback))
    }

    private func perUser(_ model: any Recommender, _ users: [Int32], items: Int) -> [Float] {
        var out: [Float] = []
        var buffer = [Float](repeating: .nan, count: items)
        for u in users {
            buffer.withUnsafeMutableBufferPointer { model.score(user: Int(u), into: $0) }
            out += buffer
        }
        return out
    }

    private func block(_ model: any Recommender, _ users: [Int32], items: Int) -> [Float] {
        var out = [Float](repeating: .nan, count: users.count * items)
        users.withUnsafeBufferPointer { u in out.withUnsafeMutableBufferPointer { model.scoreBlock(users: u, into: $0) } }
        return out
    }

    func testEASEAndTheDefaultAreBitIdenticalPerUser() throws {
        let (users, train) = blockAndTrain()
        for (type, params) in [("ease", ["lambda": ParamValue.double(5)]), ("ease", ["lambda": .double(5), "binarize": .bool(false)]),
                               ("item-knn", [:]), ("most-popular", [:])] {
            let model = try StrategyRegistry.make(type: type, parameters: Parameters(params))
            try model.fit(train, context: FitContext(seed: 3))
            let a = perUser(model, users, items: train.itemCount), b = BLASThreads.singleThreaded { block(model, users, items: train.itemCount) }
            XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "\(type) \(params)")
            XCTAssertTrue(a.contains { $0 != 0 }, "\(type): scores must not all be zero")
        }
    }

    func testFactorModelsAgreeWithinRounding() throws {
        for (type, length, feedback) in [("als", "iterations", FeedbackKind.explicit), ("implicit-als", "iterations", .implicit),
                                         ("bpr", "epochs", .implicit), ("biased-mf", "epochs", .explicit)] {
            let (users, train) = blockAndTrain(feedback)
            let model = try StrategyRegistry.make(type: type, parameters: Parameters(["factors": .int(8), length: .int(3)]))
            try model.fit(train, context: FitContext(seed: 3))
            let a = perUser(model, users, items: train.itemCount), b = block(model, users, items: train.itemCount)
            XCTAssertEqual(a.count, b.count)
            let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? .nan
            XCTAssertLessThan(worst, 1e-5, type)
            XCTAssertTrue(a.contains { $0 != a[0] }, "\(type): scores must vary")
        }
    }

    /// The single-thread scope restores OpenBLAS's own count, also when scopes nest.
    func testBLASThreadScopeRestoresTheLibraryCount() {
        let before = BLASThreads.libraryCount
        BLASThreads.singleThreaded {
            XCTAssertEqual(BLASThreads.libraryCount, 1)
            BLASThreads.singleThreaded { XCTAssertEqual(BLASThreads.libraryCount, 1) }
            XCTAssertEqual(BLASThreads.libraryCount, 1)
        }
        XCTAssertEqual(BLASThreads.libraryCount, before)
    }
}
