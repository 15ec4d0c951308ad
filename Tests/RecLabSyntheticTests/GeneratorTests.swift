import Foundation
import RecLabConfig
import RecLabCore
import RecLabStore
import RecLabSynthetic
import RecLabTestSupport
import XCTest

/// A small world for tests: fast in debug builds, yet large enough for the statistical checks.
func testWorldConfig(users: Int = 200, movies: Int = 150, days: Int = 40) -> SyntheticConfig {
    var c = SyntheticConfig()
    c.name = "test-world"
    c.users = users; c.movies = movies; c.days = days; c.factors = 8
    c.visitProbability = 0.3
    return c
}

final class GeneratorTests: XCTestCase {
    func testSameSeedSameHashDifferentSeedDifferentHash() {
        let c = testWorldConfig()
        let a = ContentHash.compute(SyntheticGenerator.generate(c, seed: 11))
        let b = ContentHash.compute(SyntheticGenerator.generate(c, seed: 11))
        let other = ContentHash.compute(SyntheticGenerator.generate(c, seed: 12))
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, other)
    }

    func testHashDoesNotDependOnThreadCount() throws {
        let c = testWorldConfig(users: 600)
        // The thread count is the run context's, scoped to the call: no environment to change.
        let serial = RunContext(threads: 1).bound {
            XCTAssertEqual(Parallel.workerCount, 1)
            return ContentHash.compute(SyntheticGenerator.generate(c, seed: 5))
        }
        let parallel = RunContext(threads: 7).bound {
            XCTAssertEqual(Parallel.workerCount, 7)
            return ContentHash.compute(SyntheticGenerator.generate(c, seed: 5))
        }
        XCTAssertEqual(serial, parallel)
    }

    func testContentShapeAndInvariants() throws {
        let c = testWorldConfig()
        let content = SyntheticGenerator.generate(c, seed: 3)
        XCTAssertEqual(content.users.count, c.users)
        XCTAssertEqual(content.movies.count, c.movies)
        XCTAssertGreaterThan(content.interactions.count, 1_000)
        // Users look like imported ones: keyed pseudonyms of "synthetic-<n>".
        let p = Pseudonymizer(key: SyntheticGenerator.pseudonymKey)
        let expected = Set((1...c.users).map { p.pseudonym(for: "synthetic-\($0)") })
        XCTAssertEqual(Set(content.users.map(\.pseudonym)), expected)

        let dataset = Dataset(content: content)
        let truth = try XCTUnwrap(try GroundTruth.load(from: dataset))
        XCTAssertEqual(truth.origin, .synthetic)
        XCTAssertEqual(truth.genreNames, dataset.genreNames)
        let movieById = Dictionary(uniqueKeysWithValues: content.movies.map { ($0.id, $0) })
        var pairs = Set<[Int64]>()
        var rated = 0
        for r in content.interactions {
            let m = try XCTUnwrap(movieById[r.movieId])
            // Nobody watches a title before its release day ends.
            let day = truth.day(of: r.timestamp)
            XCTAssertTrue(truth.isReleased(item: Int(r.movieId - 1), day: day))
            XCTAssertLessThan(m.releaseTimestamp!, truth.dayStart(day + 1))
            XCTAssertGreaterThanOrEqual(day, 0)
            XCTAssertLessThanOrEqual(day, c.days)  // a late session may run past midnight of the last day
            // A title is started at most once per user.
            XCTAssertTrue(pairs.insert([r.userId, r.movieId]).inserted)
            let completion = try XCTUnwrap(r.completion), seconds = try XCTUnwrap(r.watchSeconds)
            XCTAssertTrue(completion > 0 && completion <= 1)
            XCTAssertEqual(seconds, completion * truth.durationSeconds(item: Int(r.movieId - 1)), accuracy: 1e-3)
            // An abandoned title stops at (0.02 + 0.98 U) * f, with f the truth's finish probability: holds only
            // if the generator and `GroundTruth` compute the same affinity.
            if completion < 1 {
                let user = Int(dataset.userIndex(pseudonym: content.users[Int(r.userId - 1)].pseudonym)!)
                let f = truth.finishProbability(user: user, item: Int(r.movieId - 1))
                XCTAssertLessThanOrEqual(completion, f * (1 + 1e-6))
                XCTAssertGreaterThanOrEqual(completion, 0.02 * f * (1 - 1e-6))
            }
            if let rating = r.rating {
                rated += 1
                XCTAssertTrue((0.5...5).contains(rating))
                XCTAssertEqual(rating * 2, (rating * 2).rounded())
            }
        }
        let share = Double(rated) / Double(content.interactions.count)
        XCTAssertTrue(share > 0.1 && share < 0.6, "rated share \(share)")
        // Movie records carry year and genres consistent with the truth.
        for (i, m) in dataset.movies.enumerated() {
            XCTAssertEqual(m.genres, truth.genreNames(item: i))
            XCTAssertFalse(m.genres.isEmpty)
            XCTAssertNotNil(m.year)
        }
    }

    func testLogsFollowTheGroundTruth() throws {
        let content = SyntheticGenerator.generate(testWorldConfig(users: 400), seed: 9)
        let dataset = Dataset(content: content)
        let truth = try XCTUnwrap(try GroundTruth.load(from: dataset))

        // Played titles have higher true affinity than random pairs.
        var played = 0.0
        for k in 0..<dataset.interactionCount { played += Double(truth.affinity(user: Int(dataset.users[k]), item: Int(dataset.items[k]))) }
        played /= Double(dataset.interactionCount)
        var rng = SeededRandom(seed: 1)
        var random = 0.0
        for _ in 0..<20_000 { random += Double(truth.affinity(user: rng.nextInt(truth.userCount), item: rng.nextInt(truth.itemCount))) }
        random /= 20_000
        XCTAssertGreaterThan(played, random + 0.5)

        // Ratings rise with affinity: correlation clearly positive.
        var xs: [Double] = [], ys: [Double] = []
        for k in 0..<dataset.interactionCount where !dataset.ratings[k].isNaN {
            xs.append(Double(truth.affinity(user: Int(dataset.users[k]), item: Int(dataset.items[k])))); ys.append(Double(dataset.ratings[k]))
        }
        XCTAssertGreaterThan(pearson(xs, ys), 0.4)

        // Zipf-like popularity: the top 10% of titles get far more than 10% of plays.
        var perItem = [Int](repeating: 0, count: dataset.itemCount)
        for i in dataset.items { perItem[Int(i)] += 1 }
        let sorted = perItem.sorted(by: >)
        let top = sorted.prefix(dataset.itemCount / 10).reduce(0, +)
        XCTAssertGreaterThan(Double(top) / Double(dataset.interactionCount), 0.3)

        // Long-tailed activity: the most active 10% of users produce well over 10% of events.
        let perUser = (0..<dataset.userCount).map { dataset.userStart[$0 + 1] - dataset.userStart[$0] }.sorted(by: >)
        XCTAssertGreaterThan(Double(perUser.prefix(dataset.userCount / 10).reduce(0, +)) / Double(dataset.interactionCount), 0.2)

        // Visit probabilities match the logged visit days (days with at least one event), in aggregate.
        var visitDays = 0
        var expectedDays = 0.0
        for u in 0..<dataset.userCount {
            let days = Set((dataset.userStart[u] ..< dataset.userStart[u + 1]).map { truth.day(of: dataset.timestamps[$0]) })
            visitDays += days.count
            expectedDays += Double(truth.visitProbability(user: u)) * Double(truth.dayCount)
        }
        // Some visits end with nothing played, so logged days are fewer, but of the same order.
        XCTAssertLessThan(Double(visitDays), expectedDays * 1.05)
        XCTAssertGreaterThan(Double(visitDays), expectedDays * 0.4)
    }

    func testBehaviourSamplersMatchTheirExpectations() throws {
        let truth = SyntheticGenerator.groundTruth(testWorldConfig(users: 50, movies: 60), seed: 4)
        var rng = SeededRandom(seed: 99)
        for (u, i) in [(0, 0), (3, 17), (10, 59), (49, 30)] {
            var total: Double = 0
            let n = 40_000
            for _ in 0..<n {
                let w = truth.sampleWatch(user: u, item: i, rng: &rng)
                XCTAssertEqual(w.seconds, w.completion * truth.durationSeconds(item: i), accuracy: 1e-2)
                total += Double(w.completion)
            }
            // Monte-Carlo mean within ~5 standard errors (sd of completion <= 0.5).
            XCTAssertEqual(total / Double(n), Double(truth.expectedCompletion(user: u, item: i)), accuracy: 5 * 0.5 / 200)

            var rated = 0, sum: Double = 0
            for _ in 0..<n {
                if let r = truth.sampleRating(user: u, item: i, rng: &rng) { rated += 1; sum += Double(r) }
            }
            let p = Double(truth.rateProbability(user: u))
            XCTAssertEqual(Double(rated) / Double(n), p, accuracy: 5 * (p * (1 - p) / Double(n)).squareRoot() + 1e-9)
            if rated > 1_000 {
                // Rounding and clamping move the mean a little; the unrounded mean is expectedRating.
                let expected = Double(min(5, max(0.5, truth.expectedRating(user: u, item: i))))
                XCTAssertEqual(sum / Double(rated), expected, accuracy: 0.3)
            }
        }
        // Play probability: 0 before release, rises with affinity.
        let item = (0..<truth.itemCount).max { truth.itemRelease[$0] < truth.itemRelease[$1] }!
        let releaseDay = truth.day(of: truth.itemRelease[item])
        if releaseDay > 0 {
            XCTAssertEqual(truth.playProbability(user: 0, item: item, day: releaseDay - 1), 0)
            XCTAssertGreaterThan(truth.playProbability(user: 0, item: item, day: releaseDay), 0)
            // Novelty decays: the same title is less attractive a year later.
            XCTAssertGreaterThan(truth.playProbability(user: 0, item: item, day: releaseDay),
                                 truth.playProbability(user: 0, item: item, day: releaseDay + 365))
        }
        var aff = [Float]()
        truth.affinities(user: 2, into: &aff)
        let best = aff.indices.max { aff[$0] < aff[$1] }!, worst = aff.indices.min { aff[$0] < aff[$1] }!
        XCTAssertEqual(aff[best], truth.affinity(user: 2, item: best))
        let day = truth.dayCount + 400  // every title released, novelty gone
        let pb = truth.playProbability(user: 2, item: best, day: day), pw = truth.playProbability(user: 2, item: worst, day: day)
        // Hand check of the formula for one pair.
        let b = truth.behaviour
        let z = b.playBias + b.playAffinityWeight * aff[best] + b.playPopularityWeight * truth.popularityLift(item: best)
            + b.noveltyWeight * exp(-truth.ageInDays(item: best, day: day) / b.noveltyDays)
        XCTAssertEqual(pb, 1 / (1 + exp(-z)), accuracy: 1e-5)
        XCTAssertGreaterThan(truth.expectedCompletion(user: 2, item: best), truth.expectedCompletion(user: 2, item: worst))
        _ = pw
    }

    func testGroundTruthEncodingRoundTripsAndChecksAlignment() throws {
        let content = SyntheticGenerator.generate(testWorldConfig(users: 40, movies: 30, days: 10), seed: 2)
        let blob = try XCTUnwrap(content.artifacts[GroundTruth.artifactName])
        let truth = try GroundTruth(encoded: blob)
        XCTAssertEqual(truth.encoded(), blob)
        // Codable (JSON) also round-trips.
        let json = try JSONEncoder().encode(truth)
        XCTAssertEqual(try JSONDecoder().decode(GroundTruth.self, from: json).encoded(), blob)
        // Damaged blobs are clear errors.
        XCTAssertThrowsError(try GroundTruth(encoded: blob.prefix(blob.count - 3)))
        XCTAssertThrowsError(try GroundTruth(encoded: Data("nope".utf8)))
        // A dataset without the artifact has no ground truth; one whose users differ is rejected.
        var plain = content
        plain.artifacts = [:]
        XCTAssertNil(try GroundTruth.load(from: Dataset(content: plain)))
        var shifted = content
        shifted.users[0].pseudonym = "uffffffffffffffff"
        XCTAssertThrowsError(try GroundTruth.load(from: Dataset(content: shifted))) { e in
            XCTAssertEqual((e as? RecLabError)?.kind, .data)
        }
    }

    func testStoreRoundTripKeepsHashAndTruth() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let path = dir.appendingPathComponent("w.sqlite").path
        let content = SyntheticGenerator.generate(testWorldConfig(users: 60, movies: 40, days: 15), seed: 8)
        let hash = try DatasetStore.write(content, to: path, force: false)
        let loaded = try DatasetStore.load(path: path)
        XCTAssertEqual(loaded.contentHash, hash)
        XCTAssertEqual(ContentHash.compute(try DatasetStore.loadContent(path: path)), hash)
        let truth = try XCTUnwrap(try GroundTruth.load(from: loaded))
        XCTAssertEqual(truth.userCount, 60)
    }

    private func pearson(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count), mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for k in x.indices { sxy += (x[k] - mx) * (y[k] - my); sxx += (x[k] - mx) * (x[k] - mx); syy += (y[k] - my) * (y[k] - my) }
        return sxy / (sxx * syy).squareRoot()
    }
}

final class SyntheticConfigTests: XCTestCase {
    func testShippedConfigsParse() throws {
        for name in ["tiny", "small", "large"] {
            let path = TestSupport.packageRoot.appendingPathComponent("datasets/\(name).yaml").path
            let c = try SyntheticConfig.load(path: path)
            XCTAssertEqual(c.name, "synthetic-\(name)")
            XCTAssertNoThrow(try c.validate())
        }
        let small = try SyntheticConfig.load(path: TestSupport.packageRoot.appendingPathComponent("datasets/small.yaml").path)
        XCTAssertEqual(small.users, 4000)
        XCTAssertEqual(small.browse, 10)
        XCTAssertEqual(small.ratingMean, 3.0)
    }

    func testUnknownKeyNamesKeyAndLine() {
        let yaml = "users: 10\ncatalogue:\n  years: 5\n  yeers: 3\n"
        XCTAssertThrowsError(try SyntheticConfig.parse(node: ConfigNode.parse(yaml, file: "w.yaml"))) { e in
            let err = e as? RecLabError
            XCTAssertEqual(err?.kind, .config)
            XCTAssertEqual(err?.line, 4)
            XCTAssertEqual(err?.key, "catalogue.yeers")
            XCTAssertEqual(err?.file, "w.yaml")
        }
    }

    func testBadValuesAreErrors() {
        let cases: [(String, Int, String)] = [
            ("users: 0\n", 1, "users"),
            ("movies: ten\n", 1, "movies"),
            ("start_date: 2024-13-01\n", 1, "start_date"),
            ("activity:\n  visit_probability: 1.5\n", 2, "activity.visit_probability"),
            ("sessions:\n  new_release_share: 0.7\n  genre_share: 0.6\n", 2, "sessions"),
        ]
        for (yaml, line, key) in cases {
            XCTAssertThrowsError(try SyntheticConfig.parse(node: ConfigNode.parse(yaml, file: "w.yaml")), yaml) { e in
                XCTAssertEqual((e as? RecLabError)?.line, line, yaml)
                XCTAssertEqual((e as? RecLabError)?.key, key, yaml)
            }
        }
    }

    func testInlineBlockParses() throws {
        // As an experiment config would embed it.
        let yaml = "dataset:\n  synthetic:\n    users: 30\n    seed: 4\n    ratings:\n      noise: 0.2\n"
        let root = try ConfigNode.parse(yaml, file: "exp.yaml")
        let block = try root.map().required("dataset").map().required("synthetic")
        let c = try SyntheticConfig.parse(node: block)
        XCTAssertEqual(c.users, 30)
        XCTAssertEqual(c.seed, 4)
        XCTAssertEqual(c.ratingNoise, 0.2)
    }
}
