import Foundation
import RecLabCore
import RecLabStrategies
import RecLabTestSupport
import XCTest

/// `als` with Spark's settings against Spark MLlib's own RMSE on a committed fixture (issue 12, "Parity with
/// Spark MLlib ALS"). The fixture (Tests/Oracles/als-fixture/train.csv, test.csv: a seeded synthetic
/// low-rank rating world) and Spark's figure (spark.json: pyspark ALS in local[2], rank 50, 10 iterations,
/// regParam 0.1, explicit, nonnegative false, mean RMSE over seeds 1–5, cold pairs predicted by the training
/// mean) are written by `python3 Tests/Oracles/spark_als_oracle.py fixture`.
final class AlsSparkParityTests: XCTestCase {
    struct Fixture {
        var train: TrainingSet
        var test: [(user: Int, item: Int, rating: Float)]
        var sparkRMSE: Double
        var sparkSpread: Double
    }

    static func readPairs(_ url: URL) throws -> [(Int, Int, Float)] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
            let f = line.split(separator: ",")
            guard f.count == 3, let u = Int(f[0]), let i = Int(f[1]), let r = Float(f[2]) else {
                throw RecLabError.data("bad fixture line '\(line)' in \(url.path)")
            }
            return (u, i, r)
        }
    }

    static func fixture() throws -> Fixture {
        let folder = TestSupport.packageRoot.appendingPathComponent("Tests/Oracles/als-fixture")
        let train = try readPairs(folder.appendingPathComponent("train.csv"))
        let test = try readPairs(folder.appendingPathComponent("test.csv"))
        let users = (train + test).map(\.0).max()!, items = (train + test).map(\.1).max()!
        let content = TestSupport.tinyContent(users: users, movies: items,
                                              ratings: train.map { ($0.0, $0.1, $0.2, 0) })
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("spark.json"))) as! [String: Any]
        let perSeed = json["rmse_per_seed"] as! [Double]
        return Fixture(train: TrainingSet(dataset: Dataset(content: content), feedback: .explicit),
                       test: test.map { (user: $0.0 - 1, item: $0.1 - 1, rating: $0.2) },
                       sparkRMSE: json["rmse_mean"] as! Double,
                       sparkSpread: perSeed.max()! - perSeed.min()!)
    }

    static func rmse(_ model: any Recommender, _ test: [(user: Int, item: Int, rating: Float)]) -> Double {
        var se = 0.0
        for p in test {
            let e = Double(model.predict(user: p.user, item: p.item)!) - Double(p.rating)
            se += e * e
        }
        return (se / Double(test.count)).squareRoot()
    }

    static let sparkSettings: [String: ParamValue] = [
        "factors": .int(50), "iterations": .int(10), "regularization": .double(0.1), "biases": .bool(false),
    ]

    /// RecLab's RMSE (mean over seeds 1–5, as the oracle) is within 0.003 of Spark's on the same split (measured: 0.99340 against Spark's 0.99337).
    func testPlainALSMatchesSparkOnFixture() throws {
        let f = try Self.fixture()
        XCTAssertLessThan(f.sparkSpread, 0.02, "Spark's own seed spread on the fixture")
        var sum = 0.0
        for seed in 1...5 {
            let model = try StrategyRegistry.make(type: "als", parameters: Parameters(Self.sparkSettings))
            try model.fit(f.train, context: FitContext(seed: UInt64(seed)))
            sum += Self.rmse(model, f.test)
        }
        let ours = sum / 5
        XCTAssertEqual(ours, f.sparkRMSE, accuracy: 0.003, "RecLab als \(ours) vs Spark MLlib \(f.sparkRMSE)")
    }

    /// The fixture tells the settings apart: with the Gaussian initialisation `als` used before issue 12
    /// (N(0, 0.1²) entries, a fifth of Spark's row length at rank 50) it lands well below Spark's figure
    /// (0.980 against 0.993), so the parity above is not a property of any ALS.
    func testGaussianInitialisationMissesSpark() throws {
        let f = try Self.fixture()
        var sum = 0.0
        for seed in 1...2 {
            let model = try StrategyRegistry.make(type: "als", parameters: Parameters(Self.sparkSettings.merging(["init": .string("gaussian")]) { $1 }))
            try model.fit(f.train, context: FitContext(seed: UInt64(seed)))
            sum += Self.rmse(model, f.test)
        }
        XCTAssertGreaterThan(abs(sum / 2 - f.sparkRMSE), 0.006, "gaussian init \(sum / 2) vs Spark \(f.sparkRMSE)")
    }
}
