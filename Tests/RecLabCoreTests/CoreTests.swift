import Foundation
import RecLabCore
import RecLabTestSupport
import XCTest

final class HashingTests: XCTestCase {
    func testSHA256KnownVectors() {
        // FIPS 180-4 examples.
        XCTAssertEqual(SHA256.hexDigest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hexDigest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hexDigest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hexDigest(String(repeating: "a", count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testIncrementalEqualsOneShot() {
        let text = String(repeating: "RecLab ", count: 100)
        var sha = SHA256()
        for chunk in stride(from: 0, to: text.utf8.count, by: 37) {
            let bytes = Array(text.utf8)[chunk..<min(chunk + 37, text.utf8.count)]
            sha.update(bytes)
        }
        XCTAssertEqual(sha.finalize().hexString, SHA256.hexDigest(text))
    }

    func testHMACRFC4231() {
        // RFC 4231 test cases 1 and 2.
        let key1 = [UInt8](repeating: 0x0b, count: 20)
        XCTAssertEqual(HMACSHA256.authenticationCode(for: Array("Hi There".utf8), key: key1).hexString,
                       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        XCTAssertEqual(HMACSHA256.authenticationCode(for: Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8)).hexString,
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // Test case 6: key longer than the block size.
        let key6 = [UInt8](repeating: 0xaa, count: 131)
        XCTAssertEqual(HMACSHA256.authenticationCode(for: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8), key: key6).hexString,
                       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    func testPseudonymsDependOnKey() throws {
        let a = Pseudonymizer(key: "secret-a"), b = Pseudonymizer(key: "secret-b")
        XCTAssertEqual(a.pseudonym(for: "42"), a.pseudonym(for: "42"))
        XCTAssertNotEqual(a.pseudonym(for: "42"), b.pseudonym(for: "42"))
        XCTAssertNotEqual(a.pseudonym(for: "42"), a.pseudonym(for: "43"))
        XCTAssertFalse(a.pseudonym(for: "42").contains("42"))
        XCTAssertTrue(try Pseudonymizer.fromEnvironment([:]).usesDevelopmentKey)
        XCTAssertFalse(try Pseudonymizer.fromEnvironment(["RECLAB_PSEUDONYM_KEY": "k"]).usesDevelopmentKey)
        XCTAssertThrowsError(try Pseudonymizer.fromEnvironment(["RECLAB_PSEUDONYM_KEY_FILE": "/nonexistent/key"]))
    }

    func testContentHashIgnoresOrderAndStoreIds() {
        let c1 = TestSupport.tinyContent(users: 3, movies: 3, ratings: [(1, 1, 4, 10), (2, 2, 3, 20), (3, 3, 5, 30)])
        var c2 = c1
        c2.interactions.reverse()
        c2.movies.reverse()
        // Renumber store ids, keeping pseudonyms.
        c2.users = c1.users.map { UserRecord(id: $0.id + 100, pseudonym: $0.pseudonym) }
        c2.interactions = c2.interactions.map { var r = $0; r.userId += 100; return r }
        XCTAssertEqual(ContentHash.compute(c1), ContentHash.compute(c2))
        var c3 = c1
        c3.interactions[0].rating = 3.5
        XCTAssertNotEqual(ContentHash.compute(c1), ContentHash.compute(c3))
        var c4 = c1
        c4.interactions[0].watchSeconds = 0
        XCTAssertNotEqual(ContentHash.compute(c1), ContentHash.compute(c4))
    }
}

final class RandomTests: XCTestCase {
    func testSameSeedSameStream() {
        var a = SeededRandom(seed: 7), b = SeededRandom(seed: 7), c = SeededRandom(seed: 8)
        let xa = (0..<100).map { _ in a.next() }, xb = (0..<100).map { _ in b.next() }, xc = (0..<100).map { _ in c.next() }
        XCTAssertEqual(xa, xb)
        XCTAssertNotEqual(xa, xc)
        var s1 = SeededRandom(seed: 7, stream: "fold-1"), s2 = SeededRandom(seed: 7, stream: "fold-2")
        XCTAssertNotEqual(s1.next(), s2.next())
    }

    func testUniformAndGaussianMoments() {
        var rng = SeededRandom(seed: 1)
        let n = 200_000
        var sum = 0.0, sumSq = 0.0, counts = [Int](repeating: 0, count: 10)
        for _ in 0..<n {
            let g = rng.nextGaussian(); sum += g; sumSq += g * g
            counts[rng.nextInt(10)] += 1
        }
        XCTAssertEqual(sum / Double(n), 0, accuracy: 0.01)
        XCTAssertEqual(sumSq / Double(n), 1, accuracy: 0.02)
        for c in counts { XCTAssertEqual(Double(c) / Double(n), 0.1, accuracy: 0.005) }
        var gammaSum = 0.0
        for _ in 0..<50_000 { gammaSum += rng.nextGamma(shape: 2.5) }
        XCTAssertEqual(gammaSum / 50_000, 2.5, accuracy: 0.05)
    }

    func testAliasTableFrequencies() {
        let table = AliasTable(weights: [1, 2, 7, 0])
        var rng = SeededRandom(seed: 3)
        var counts = [Int](repeating: 0, count: 4)
        for _ in 0..<100_000 { counts[table.sample(&rng)] += 1 }
        XCTAssertEqual(Double(counts[0]) / 100_000, 0.1, accuracy: 0.01)
        XCTAssertEqual(Double(counts[1]) / 100_000, 0.2, accuracy: 0.01)
        XCTAssertEqual(Double(counts[2]) / 100_000, 0.7, accuracy: 0.01)
        XCTAssertEqual(counts[3], 0)
    }
}

final class MatrixTests: XCTestCase {
    func testTripletsMergeAndTranspose() {
        // (0,2)=1 then (0,2)=5 merges with "latest wins"; (1,0)=3.
        let m = SparseMatrix(rowCount: 2, columnCount: 3, rows: [0, 1, 0], cols: [2, 0, 2], vals: [1, 3, 5])
        XCTAssertEqual(m.nonZeroCount, 2)
        XCTAssertEqual(m.value(row: 0, column: 2), 5)
        XCTAssertNil(m.value(row: 0, column: 1))
        let t = m.transposed()
        XCTAssertEqual(t.rowCount, 3)
        XCTAssertEqual(t.value(row: 2, column: 0), 5)
        XCTAssertEqual(t.value(row: 0, column: 1), 3)
        XCTAssertEqual(t.count(ofRow: 1), 0)
    }

    /// Random triplets (with repeats, empty rows and columns) against a dense oracle: the CSR holds the
    /// summed values in sorted columns, and its transpose is the dense transpose.
    func testTripletsAndTransposeMatchDenseOracle() {
        var rng = SeededRandom(seed: 5)
        for _ in 0..<50 {
            let nr = 1 + rng.nextInt(7), nc = 1 + rng.nextInt(7), n = rng.nextInt(30)
            var rows: [Int32] = [], cols: [Int32] = [], vals: [Float] = []
            var dense = [[Float?]](repeating: [Float?](repeating: nil, count: nc), count: nr)
            for _ in 0..<n {
                let r = rng.nextInt(nr), c = rng.nextInt(nc), v = Float(1 + rng.nextInt(9))
                rows.append(Int32(r)); cols.append(Int32(c)); vals.append(v)
                dense[r][c] = (dense[r][c] ?? 0) + v
            }
            let m = SparseMatrix(rowCount: nr, columnCount: nc, rows: rows, cols: cols, vals: vals, combine: +)
            let t = m.transposed()
            XCTAssertEqual(m.nonZeroCount, dense.joined().compactMap { $0 }.count)
            XCTAssertEqual(t.nonZeroCount, m.nonZeroCount)
            for r in 0..<nr {
                let cs = Array(m.columns[m.range(ofRow: r)])
                XCTAssertEqual(cs, cs.sorted())
                for c in 0..<nc {
                    XCTAssertEqual(m.value(row: r, column: Int32(c)), dense[r][c])
                    XCTAssertEqual(t.value(row: c, column: Int32(r)), dense[r][c])
                }
            }
            XCTAssertEqual(t.rowStart.last, t.nonZeroCount)
        }
    }

    func testTrainingSetExplicitAndImplicit() {
        var content = TestSupport.tinyContent(users: 2, movies: 3, ratings: [(1, 1, 4, 10), (1, 2, 2, 20), (2, 2, 5, 5), (1, 1, 3, 30)])
        content.interactions.append(InteractionRecord(userId: 2, movieId: 3, timestamp: 40, watchSeconds: 100, completion: 0.5))
        let ds = Dataset(content: content)
        XCTAssertEqual(ds.userCount, 2)
        XCTAssertEqual(ds.interactionCount, 5)
        XCTAssertEqual(ds.ratingCount, 4)
        let explicit = TrainingSet(dataset: ds, feedback: .explicit)
        XCTAssertEqual(explicit.byUser.value(row: 0, column: 0), 3, "the later rating of the same movie wins")
        XCTAssertNil(explicit.byUser.value(row: 1, column: 2), "unrated viewing events are not explicit feedback")
        XCTAssertEqual(explicit.globalMean, (3 + 2 + 5) / 3, accuracy: 1e-6)
        let implicit = TrainingSet(dataset: ds, feedback: .implicit)
        XCTAssertEqual(implicit.byUser.value(row: 0, column: 0), 2, "implicit counts add up")
        XCTAssertEqual(implicit.byItem.value(row: 2, column: 1), 1)
        XCTAssertEqual(implicit.latestTimestamp, 40)
    }

    func testDatasetOrderIsCanonical() {
        let c = TestSupport.tinyContent(users: 2, movies: 2, ratings: [(2, 2, 4, 50), (1, 2, 3, 10), (1, 1, 5, 5)])
        var reversed = c
        reversed.interactions.reverse()
        let a = Dataset(content: c), b = Dataset(content: reversed)
        XCTAssertEqual(a.users, b.users)
        XCTAssertEqual(a.items, b.items)
        XCTAssertEqual(a.timestamps, [5, 10, 50])
        XCTAssertEqual(a.userStart, [0, 2, 3])
        XCTAssertEqual(a.contentHash, b.contentHash)
    }
}

final class ParametersTests: XCTestCase {
    func testTypedAccessAndErrors() throws {
        let p = Parameters(["k": .int(20), "reg": .double(0.1), "sim": .string("cosine")], lines: ["k": 7], file: "x.yaml")
        XCTAssertEqual(try p.int("k", default: 1), 20)
        XCTAssertEqual(try p.double("k", default: 0), 20)
        XCTAssertEqual(try p.int("missing", default: 5), 5)
        XCTAssertThrowsError(try p.int("k", default: 1, range: 1...10)) { e in
            let err = e as! RecLabError
            XCTAssertEqual(err.line, 7)
            XCTAssertEqual(err.key, "k")
            XCTAssertTrue(err.description.hasPrefix("x.yaml:7: 'k':"), err.description)
        }
        XCTAssertThrowsError(try p.string("sim", default: "", allowed: ["pearson"]))
        XCTAssertThrowsError(try p.rejectUnknown(allowed: ["k", "reg"], owner: "test")) { e in
            XCTAssertEqual((e as! RecLabError).key, "sim")
        }
    }
}

final class RunContextTests: XCTestCase {
    /// A child's seed is one draw of the parent's named stream: the rule offline runs used before the tree
    /// existed, so the seeds of existing configs are unchanged.
    func testSeedTreeChildIsTheNamedStreamsFirstDraw() {
        let tree = SeedTree(root: 42)
        var rng = SeededRandom(seed: 42, stream: "fit-3")
        XCTAssertEqual(tree.child("fit-3").seed, rng.next())
        XCTAssertEqual(tree.descendant(["unit-4", "fit-0"]), tree.child("unit-4").child("fit-0"))
        XCTAssertEqual(tree.descendant([]), tree)
    }

    /// Children depend on their name and parent only: asking in another order, or asking for others in
    /// between, gives the same seeds; different names and different parents give different seeds.
    func testSeedTreeIsIndependentOfOrder() {
        let tree = SeedTree(root: 7)
        let forward = (0..<50).map { tree.child("unit-\($0)").seed }
        let backward = (0..<50).reversed().map { tree.child("unit-\($0)").seed }.reversed()
        XCTAssertEqual(forward, Array(backward))
        XCTAssertEqual(Set(forward).count, 50)
        XCTAssertNotEqual(SeedTree(root: 8).child("unit-0"), tree.child("unit-0"))
    }

    /// Durations come from the clock's monotonic source, so a test can make them exact.
    func testClockMeasuresWithItsMonotonicSource() {
        let ticks = Ticks()
        let clock = RunClock(now: { Date(timeIntervalSince1970: 0) }, monotonicNanoseconds: { ticks.next(step: 250_000_000) })
        let (value, seconds) = clock.measure { 6 * 7 }
        XCTAssertEqual(value, 42)
        XCTAssertEqual(seconds, 0.25)
        XCTAssertEqual(clock.seconds {}, 0.25)
        // The system source never goes backwards.
        let a = RunClock.systemMonotonicNanoseconds(), b = RunClock.systemMonotonicNanoseconds()
        XCTAssertLessThanOrEqual(a, b)
    }

    func testContextRootsTheSeedTreeAtThePlanSeedUnlessSet() {
        XCTAssertEqual(RunContext().seedTree(planSeed: 5), SeedTree(root: 5))
        XCTAssertEqual(RunContext(seeds: SeedTree(root: 9)).seedTree(planSeed: 5), SeedTree(root: 9))
    }
}

