import Foundation
import RecLabConfig
import RecLabCore
import RecLabImport
import RecLabSplits
import RecLabSynthetic
import RecLabTestSupport
import XCTest

final class SplitsTests: XCTestCase {
    /// A generated dataset with varied activity (some users with 0, 1 or many interactions).
    static let dataset: Dataset = {
        return Dataset(content: SyntheticGenerator.generate(testWorldConfig(users: 150, movies: 120, days: 30), seed: 21))
    }()

    private func assertPartition(_ f: SplitFold, of d: Dataset, covering: Bool, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(f.train, f.train.sorted(), file: file, line: line)
        XCTAssertEqual(f.test, f.test.sorted(), file: file, line: line)
        // Sorted and strictly increasing means no repeats; a marker array finds rows in both.
        XCTAssertTrue(zip(f.train, f.train.dropFirst()).allSatisfy { $0 < $1 }, file: file, line: line)
        XCTAssertTrue(zip(f.test, f.test.dropFirst()).allSatisfy { $0 < $1 }, file: file, line: line)
        var inTrain = [Bool](repeating: false, count: d.interactionCount)
        for r in f.train { inTrain[Int(r)] = true }
        XCTAssertFalse(f.test.contains { inTrain[Int($0)] }, "a test row is also in train", file: file, line: line)
        if covering { XCTAssertEqual(f.train.count + f.test.count, d.interactionCount, file: file, line: line) }
        XCTAssertTrue((f.train + f.test).allSatisfy { $0 >= 0 && Int($0) < d.interactionCount }, file: file, line: line)
    }

    func testHoldoutIsSeededDisjointAndCovering() throws {
        let d = Self.dataset
        let a = try Splitter.folds(for: d, method: .holdout(testFraction: 0.25), seed: 1)
        let b = try Splitter.folds(for: d, method: .holdout(testFraction: 0.25), seed: 1)
        let c = try Splitter.folds(for: d, method: .holdout(testFraction: 0.25), seed: 2)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a[0].test, c[0].test)
        XCTAssertEqual(a.count, 1)
        assertPartition(a[0], of: d, covering: true)
        XCTAssertEqual(a[0].test.count, Int((Double(d.interactionCount) * 0.25).rounded()))
    }

    func testKFoldPartsAreDisjointAndCoverTheData() throws {
        let d = Self.dataset
        let folds = try Splitter.folds(for: d, method: .kFold(k: 5), seed: 3)
        XCTAssertEqual(folds.map(\.index), [0, 1, 2, 3, 4])
        var seen = [Int](repeating: 0, count: d.interactionCount)
        for f in folds {
            assertPartition(f, of: d, covering: true)
            for r in f.test { seen[Int(r)] += 1 }
        }
        XCTAssertEqual(Set(seen), [1], "every interaction is tested exactly once")
        let sizes = folds.map(\.test.count)
        XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1)
        XCTAssertEqual(folds, try Splitter.folds(for: d, method: .kFold(k: 5), seed: 3))
        XCTAssertNotEqual(folds, try Splitter.folds(for: d, method: .kFold(k: 5), seed: 4))
    }

    private func assertPerUserTemporal(_ f: SplitFold, _ d: Dataset, expectedTest: (Int) -> Int) {
        assertPartition(f, of: d, covering: true)
        let test = Set(f.test)
        var usersWithOne = 0
        for u in 0..<d.userCount {
            let rows = d.userStart[u] ..< d.userStart[u + 1]
            let trainRows = rows.filter { !test.contains(Int32($0)) }, testRows = rows.filter { test.contains(Int32($0)) }
            XCTAssertEqual(testRows.count, expectedTest(rows.count), "user \(u) with \(rows.count) interactions")
            if rows.count == 1 { usersWithOne += 1 }
            if rows.count >= 2 { XCTAssertFalse(trainRows.isEmpty); XCTAssertFalse(testRows.isEmpty) }
            // Temporal order within the user: nothing in train is later than anything in test.
            if let lastTrain = trainRows.map({ d.timestamps[$0] }).max(), let firstTest = testRows.map({ d.timestamps[$0] }).min() {
                XCTAssertLessThanOrEqual(lastTrain, firstTest)
            }
        }
        XCTAssertGreaterThan(usersWithOne + d.userCount, 0)
    }

    func testUserTemporalLastKAndFraction() throws {
        let d = Self.dataset
        let lastK = try Splitter.folds(for: d, method: .userLastK(k: 3), seed: 0)
        assertPerUserTemporal(lastK[0], d) { c in c >= 2 ? min(3, c - 1) : 0 }
        let frac = try Splitter.folds(for: d, method: .userLastFraction(fraction: 0.3), seed: 0)
        assertPerUserTemporal(frac[0], d) { c in c >= 2 ? min(c - 1, max(1, Int((Double(c) * 0.3).rounded()))) : 0 }
        // Not seeded: any seed gives the same split.
        XCTAssertEqual(frac, try Splitter.folds(for: d, method: .userLastFraction(fraction: 0.3), seed: 99))
    }

    func testUserTemporalByHandOnATinyDataset() throws {
        // User 1: three interactions (t = 10, 20, 30); user 2: one; user 3: two with equal times.
        let d = Dataset(content: TestSupport.tinyContent(users: 3, movies: 4, ratings: [
            (1, 2, 4, 30), (1, 1, 3, 10), (1, 3, 5, 20), (2, 1, 2, 5), (3, 4, 1, 7), (3, 2, 2, 7),
        ]))
        // Rows sorted by (user, time, item): 0:(u1,m1,10) 1:(u1,m3,20) 2:(u1,m2,30) 3:(u2,m1,5) 4:(u3,m2,7) 5:(u3,m4,7)
        let f = try Splitter.folds(for: d, method: .userLastK(k: 1), seed: 0)[0]
        XCTAssertEqual(f.test, [2, 5])
        XCTAssertEqual(f.train, [0, 1, 3, 4])
        let g = try Splitter.folds(for: d, method: .userLastK(k: 5), seed: 0)[0]
        XCTAssertEqual(g.test, [1, 2, 5])  // keeps one training row per user
        let cut = try Splitter.folds(for: d, method: .globalTimeCut(timestamp: 10), seed: 0)[0]
        XCTAssertEqual(cut.test, [0, 1, 2])
        XCTAssertEqual(cut.train, [3, 4, 5])
    }

    func testGlobalTemporalCut() throws {
        let d = Self.dataset
        let f = try Splitter.folds(for: d, method: .globalTimeFraction(testFraction: 0.2), seed: 0)[0]
        assertPartition(f, of: d, covering: true)
        let lastTrain = f.train.map { d.timestamps[Int($0)] }.max()!, firstTest = f.test.map { d.timestamps[Int($0)] }.min()!
        XCTAssertLessThan(lastTrain, firstTest)
        XCTAssertEqual(Double(f.test.count) / Double(d.interactionCount), 0.2, accuracy: 0.01)

        let cut = d.timestamps.sorted()[d.interactionCount / 2]
        let g = try Splitter.folds(for: d, method: .globalTimeCut(timestamp: cut), seed: 0)[0]
        XCTAssertTrue(g.train.allSatisfy { d.timestamps[Int($0)] < cut })
        XCTAssertTrue(g.test.allSatisfy { d.timestamps[Int($0)] >= cut })
        assertPartition(g, of: d, covering: true)
        // A cut before all data leaves no training set: an error, not an empty fold.
        XCTAssertThrowsError(try Splitter.folds(for: d, method: .globalTimeCut(timestamp: 0), seed: 0)) { e in
            XCTAssertEqual((e as? RecLabError)?.kind, .data)
        }
    }

    // MARK: Predefined files

    /// A dataset with users pseudonymised like an import, so split files with raw ids can be matched.
    private func importedLike() throws -> Dataset {
        let p = try Pseudonymizer.fromEnvironment([:])
        let users = (1...3).map { UserRecord(id: Int64($0), pseudonym: p.pseudonym(for: "\($0)")) }
        let movies = (1...4).map { MovieRecord(id: Int64($0 * 10), title: "M\($0)") }
        let rows: [(Int64, Int64, Float, Int64)] = [(1, 10, 4, 100), (1, 20, 3, 200), (2, 10, 5, 150), (2, 30, 1, 160),
                                                    (3, 40, 2, 170), (3, 10, 3, 180)]
        let interactions = rows.map { InteractionRecord(userId: $0.0, movieId: $0.1, timestamp: $0.3, rating: $0.2) }
        return Dataset(content: DatasetContent(name: "fixture", source: "test", movies: movies, users: users, interactions: interactions))
    }

    func testPredefinedFilesMatchRowsAndReportBadLines() throws {
        let d = try importedLike()
        let dir = try TestSupport.temporaryDirectory(self)
        func write(_ name: String, _ text: String) throws -> String {
            let path = dir.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let base = try write("u1.base", "1\t10\t4\t100\n2\t10\t5\t150\n3\t40\t2\t170\n3\t10\t3\t180\n")
        let test = try write("u1.test", "1\t20\t3\t200\n2\t30\t1\t160\n")
        let folds = try Splitter.folds(for: d, method: .predefined([PredefinedPair(train: base, test: test)]), seed: 0)
        XCTAssertEqual(folds.count, 1)
        assertPartition(folds[0], of: d, covering: true)
        let testPairs = folds[0].test.map { (d.userKeys[Int(d.users[Int($0)])], d.movies[Int(d.items[Int($0)])].id) }
        let p = try Pseudonymizer.fromEnvironment([:])
        XCTAssertEqual(Set(testPairs.map { "\($0.0)-\($0.1)" }), [p.pseudonym(for: "1") + "-20", p.pseudonym(for: "2") + "-30"])

        let cases: [(String, Int, String)] = [
            ("1\t20\t3\t200\n1\t20\t3\t999\n", 2, "no interaction"),          // timestamp does not match
            ("1\t20\t3\t200\n\n7\t10\t4\t100\n", 3, "user 7"),                // unknown user
            ("1\t99\t4\t100\n", 1, "movie 99"),                                // unknown movie
            ("1\t10\t4\n", 1, "4 fields"),                                     // truncated line
            ("1\tx\t4\t100\n", 1, "not an integer"),
            ("1\t20\t2\t200\n", 1, "differs"),                                 // rating differs
            ("1\t20\t3\t200\n1\t20\t3\t200\n", 2, "twice"),
        ]
        for (k, (text, line, phrase)) in cases.enumerated() {
            let bad = try write("bad\(k).test", text)
            XCTAssertThrowsError(try Splitter.folds(for: d, method: .predefined([PredefinedPair(train: base, test: bad)]), seed: 0)) { e in
                let err = e as? RecLabError
                XCTAssertEqual(err?.kind, .input, text)
                XCTAssertEqual(err?.file, bad, text)
                XCTAssertEqual(err?.line, line, text)
                XCTAssertTrue(err?.message.contains(phrase) == true, "\(err?.message ?? "") lacks \(phrase)")
            }
        }
        // A test line that is also in the base file is a leak.
        let leak = try write("leak.test", "1\t20\t3\t200\n3\t10\t3\t180\n")
        XCTAssertThrowsError(try Splitter.folds(for: d, method: .predefined([PredefinedPair(train: base, test: leak)]), seed: 0)) { e in
            XCTAssertEqual((e as? RecLabError)?.line, 2)
        }
    }

    func testMovieLens100kPredefinedSplits() throws {
        let folder = try TestSupport.sharedDataset("ml-100k")
        let imported = try MovieLensImporter.load(path: folder.path, format: .ml100k,
                                                  options: ImportOptions(pseudonymizer: try Pseudonymizer.fromEnvironment([:])))
        let d = Dataset(content: imported.content)
        // u1 (a fifth of the ratings, one of ml-100k's 5 cross-validation folds) and ua (10 ratings per
        // user held out); the other pairs are the same format, and debug builds parse them slowly.
        let method = SplitMethod.predefined(["u1", "ua"].map {
            PredefinedPair(train: folder.appendingPathComponent("\($0).base").path, test: folder.appendingPathComponent("\($0).test").path)
        })
        let folds = try Splitter.folds(for: d, method: method, seed: 0)
        XCTAssertEqual(folds.count, 2)
        for f in folds { assertPartition(f, of: d, covering: true) }
        XCTAssertEqual(folds[0].test.count, 20_000)
        XCTAssertEqual(folds[0].train.count, 80_000)
        // ua holds out exactly 10 ratings per user (README of ml-100k).
        XCTAssertEqual(folds[1].test.count, 943 * 10)
        var perUser = [Int](repeating: 0, count: d.userCount)
        for r in folds[1].test { perUser[Int(d.users[Int(r)])] += 1 }
        XCTAssertEqual(Set(perUser), [10])
    }

    // MARK: Config

    private func parse(_ yaml: String) throws -> SplitMethod {
        try Splitter.parse(node: ConfigNode.parse(yaml, file: "exp.yaml"))
    }

    func testParseEveryMethod() throws {
        XCTAssertEqual(try parse("method: holdout\nfraction: 0.1\n"), .holdout(testFraction: 0.1))
        XCTAssertEqual(try parse("method: holdout\n"), .holdout(testFraction: 0.2))
        XCTAssertEqual(try parse("method: kfold\nk: 10\n"), .kFold(k: 10))
        XCTAssertEqual(try parse("method: user-temporal\nlast: 2\n"), .userLastK(k: 2))
        XCTAssertEqual(try parse("method: user-temporal\nfraction: 0.3\n"), .userLastFraction(fraction: 0.3))
        XCTAssertEqual(try parse("method: global-temporal\nfraction: 0.25\n"), .globalTimeFraction(testFraction: 0.25))
        XCTAssertEqual(try parse("method: global-temporal\ncut: 2024-02-01\n"), .globalTimeCut(timestamp: 1_706_745_600))
        XCTAssertEqual(try parse("method: global-temporal\ncut: 1000\n"), .globalTimeCut(timestamp: 1000))
        let dir = try TestSupport.temporaryDirectory(self)
        for name in ["u1.base", "u1.test", "u2.base", "u2.test"] {
            try "".write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let expected = SplitMethod.predefined([
            PredefinedPair(train: "\(dir.path)/u1.base", test: "\(dir.path)/u1.test"),
            PredefinedPair(train: "\(dir.path)/u2.base", test: "\(dir.path)/u2.test"),
        ])
        XCTAssertEqual(try parse("method: predefined\nfolder: \(dir.path)\nnames: [u1, u2]\n"), expected)
        XCTAssertEqual(try parse("method: predefined\nfolds:\n  - {train: \(dir.path)/u1.base, test: \(dir.path)/u1.test}\n"
                                 + "  - {train: \(dir.path)/u2.base, test: \(dir.path)/u2.test}\n"), expected)
    }

    func testParseErrorsNameKeyAndLine() {
        let cases: [(String, Int, String)] = [
            ("method: kfold\nfolds: 5\n", 2, "folds"),                  // unknown key for the method
            ("method: holdout\nfraction: 1.5\n", 2, "fraction"),
            ("method: shuffle\n", 1, "method"),
            ("method: user-temporal\nlast: 1\nfraction: 0.2\n", 2, "last"),
            ("method: predefined\nfolder: /nonexistent\nnames: [u1]\n", 3, "names"),
            ("method: kfold\nk: 1\n", 2, "k"),
        ]
        for (yaml, line, key) in cases {
            XCTAssertThrowsError(try parse(yaml), yaml) { e in
                let err = e as? RecLabError
                XCTAssertEqual(err?.kind, .config, yaml)
                XCTAssertEqual(err?.line, line, yaml)
                XCTAssertEqual(err?.key, key, yaml)
                XCTAssertEqual(err?.file, "exp.yaml", yaml)
            }
        }
    }
}
