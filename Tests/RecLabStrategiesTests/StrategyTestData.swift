import RecLabCore
import RecLabStrategies
import RecLabTestSupport
import XCTest

/// The hand-made data most strategy tests use. Users 1–4 rate items 1–4; user 5 and item 5 have no ratings
/// (a cold user and a cold item). Dense indices are id − 1.
///
///          i1  i2  i3  i4  i5
///     u1    5   4   1   .   .
///     u2    4   5   .   .   .
///     u3    .   2   5   4   .
///     u4    .   .   .   5   .
///     u5    .   .   .   .   .
///
/// Binary item cosines (by hand): cos(1,2) = 2/√6 ≈ 0.8165, cos(1,3) = 1/2, cos(2,3) = 2/√6, cos(2,4) = 1/√6 ≈ 0.4082,
/// cos(3,4) = 1/2, cos(1,4) = 0.
enum StrategyTestData {
    static let ratings: [(Int, Int, Float, Int64)] = [
        (1, 1, 5, 10), (1, 2, 4, 11), (1, 3, 1, 12),
        (2, 1, 4, 10), (2, 2, 5, 11),
        (3, 2, 2, 10), (3, 3, 5, 11), (3, 4, 4, 12),
        (4, 4, 5, 10),
    ]

    /// Genres and tags for the content tests: (movie → genres) and (movie, tag, times applied).
    static let genres: [Int: [String]] = [1: ["Action", "Comedy"], 2: ["Action"], 3: ["Drama"], 4: ["Drama", "Comedy"],
                                          5: ["Action", "Drama"]]
    static let tags: [(Int, String, Int)] = [(1, "Space", 2), (2, "space", 1), (3, "sad", 1), (4, "sad", 1), (5, "unique", 1)]

    static func dataset(withContent: Bool = false) -> Dataset {
        var content = TestSupport.tinyContent(users: 5, movies: 5, ratings: ratings, genres: withContent ? genres : [:])
        if withContent {
            content.tags = tags.flatMap { movie, tag, times in
                (0..<times).map { TagRecord(userId: 1, movieId: Int64(movie), tag: tag, timestamp: Int64($0)) }
            }
        }
        return Dataset(content: content)
    }

    static func train(_ feedback: FeedbackKind = .explicit, withContent: Bool = false) -> TrainingSet {
        TrainingSet(dataset: dataset(withContent: withContent), feedback: feedback)
    }

    static func fitted(_ type: String, _ params: [String: ParamValue] = [:], train: TrainingSet = train(),
                       seed: UInt64 = 7) throws -> any Recommender {
        let r = try StrategyRegistry.make(type: type, parameters: Parameters(params))
        try r.fit(train, context: FitContext(seed: seed))
        return r
    }

    static func scores(_ r: any Recommender, user: Int, items: Int = 5) -> [Float] {
        var s = [Float](repeating: .nan, count: items)
        s.withUnsafeMutableBufferPointer { r.score(user: user, into: $0) }
        return s
    }

    static func ranking(_ r: any Recommender, user: Int, k: Int = 10, train: TrainingSet = train()) -> [Int] {
        r.recommend(user: user, k: k, train: train).map { Int($0.item) }
    }

    /// Fits and scores every user with one worker and then with several, for the thread-count determinism checks.
    static func scoresWithThreads(_ threads: String, _ body: () throws -> [[Float]]) rethrows -> [[Float]] {
        // The run context's thread count, scoped to the call: the environment is not touched.
        try RunContext(threads: Int(threads)!).bound(body)
    }
}

/// Asserts that `make` rejects an unknown parameter and that the error names it.
func assertRejectsUnknownParameter(_ type: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try StrategyRegistry.make(type: type, parameters: Parameters(["no_such_knob": .int(1)], lines: ["no_such_knob": 9])),
                         file: file, line: line) { error in
        let e = error as? RecLabError
        XCTAssertEqual(e?.key, "no_such_knob", file: file, line: line)
        XCTAssertEqual(e?.line, 9, file: file, line: line)
        XCTAssertTrue("\(error)".contains("no_such_knob"), file: file, line: line)
    }
}
