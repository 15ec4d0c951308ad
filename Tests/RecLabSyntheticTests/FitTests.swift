import Foundation
import RecLabCore
import RecLabImport
import RecLabSynthetic
import RecLabTestSupport
import XCTest

final class GroundTruthFitTests: XCTestCase {
    func testFitRecoversTheTruthOfAGeneratedWorld() throws {
        var c = testWorldConfig(users: 400, movies: 100, days: 200)
        c.rateProbability = 1
        let dataset = Dataset(content: SyntheticGenerator.generate(c, seed: 13))
        let truth = try XCTUnwrap(try GroundTruth.load(from: dataset))
        var options = GroundTruth.FitOptions()
        options.factors = 8
        let fitted = GroundTruth.fit(to: dataset, seed: 1, options: options)
        XCTAssertEqual(fitted.origin, .semiSynthetic)
        XCTAssertEqual(fitted.userPseudonyms, dataset.userKeys)
        XCTAssertEqual(fitted.genreNames, dataset.genreNames)
        XCTAssertEqual(fitted.encoded(), GroundTruth.fit(to: dataset, seed: 1, options: options).encoded(), "deterministic")

        // Fitted affinities track the true ones over random (mostly unobserved) pairs.
        var rng = SeededRandom(seed: 5)
        var xs: [Double] = [], ys: [Double] = []
        for _ in 0..<5_000 {
            let u = rng.nextInt(dataset.userCount), i = rng.nextInt(dataset.itemCount)
            guard dataset.userStart[u + 1] - dataset.userStart[u] >= 5 else { continue }
            xs.append(Double(truth.affinity(user: u, item: i))); ys.append(Double(fitted.affinity(user: u, item: i)))
        }
        XCTAssertGreaterThan(pearson(xs, ys), 0.45)  // 0.58 observed for this seed; 1 would be perfect
        // Unit-scaled affinity; the rating model reproduces observed ratings on average.
        let sd = (ys.map { $0 * $0 }.reduce(0, +) / Double(ys.count) - pow(ys.reduce(0, +) / Double(ys.count), 2)).squareRoot()
        XCTAssertEqual(sd, 1, accuracy: 0.15)
        var err = 0.0, n = 0
        for r in 0..<dataset.interactionCount where !dataset.ratings[r].isNaN {
            err += Double(fitted.expectedRating(user: Int(dataset.users[r]), item: Int(dataset.items[r])) - dataset.ratings[r]); n += 1
        }
        XCTAssertEqual(err / Double(n), 0, accuracy: 0.05)
        XCTAssertLessThan(Double(fitted.behaviour.ratingNoise), 1.0)
        // The timeline covers the data.
        XCTAssertEqual(fitted.day(of: dataset.timestamps.min()!), 0)
        XCTAssertEqual(fitted.day(of: dataset.timestamps.max()!), fitted.dayCount - 1)
        // More active users visit more often.
        let counts = (0..<dataset.userCount).map { dataset.userStart[$0 + 1] - dataset.userStart[$0] }
        let busiest = counts.indices.max { counts[$0] < counts[$1] }!, quietest = counts.indices.min { counts[$0] < counts[$1] }!
        XCTAssertGreaterThan(fitted.visitProbability(user: busiest), fitted.visitProbability(user: quietest))
    }

    func testFitOnMovieLensLatestSmall() throws {
        let folder = try TestSupport.sharedDataset("ml-latest-small")
        let imported = try MovieLensImporter.load(path: folder.path, format: nil,
                                                  options: ImportOptions(pseudonymizer: Pseudonymizer(key: "test")))
        let dataset = Dataset(content: imported.content)
        var options = GroundTruth.FitOptions()
        options.iterations = 3; options.factors = 8
        let fitted = GroundTruth.fit(to: dataset, seed: 2, options: options)
        XCTAssertEqual(fitted.userCount, 610)
        XCTAssertEqual(fitted.itemCount, 9_742)
        // Fitted on ratings: the training error is well below the ratings' own spread (about 1.04).
        XCTAssertLessThan(fitted.behaviour.ratingNoise, 0.9)
        XCTAssertEqual(fitted.rateProbability(user: 0), 1)
        XCTAssertNoThrow(try GroundTruth(encoded: fitted.encoded()))
    }

    private func pearson(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count), mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for k in x.indices { sxy += (x[k] - mx) * (y[k] - my); sxx += (x[k] - mx) * (x[k] - mx); syy += (y[k] - my) * (y[k] - my) }
        return sxy / (sxx * syy).squareRoot()
    }
}
