import Foundation
import RecLabCore
import XCTest

/// Compatibility pins. Every expected value below was computed with RecLab's own hand-written SHA-256/HMAC
/// (SHA256.swift before the switch to swift-crypto) and the ContentHash of that time, not with the code
/// under test. Stores, result documents and reports keep these values (pseudonyms, content hashes, config
/// hashes, run ids, arms), so a change here breaks every existing store and result: never update a pin to
/// make the test pass.
final class HashCompatibilityTests: XCTestCase {
    func testPseudonymsWithTheDevelopmentKeyAreUnchanged() {
        let p = Pseudonymizer(key: Pseudonymizer.developmentKey)
        XCTAssertEqual(p.pseudonym(for: "1"), "u46eaaf77ff47a274")
        XCTAssertEqual(p.pseudonym(for: "42"), "ua72c0ca2f519a543")
        XCTAssertEqual(p.pseudonym(for: "user-7"), "ue84a995cc11f67c0")
        XCTAssertEqual(p.pseudonym(for: "138493"), "u72435c51e299a226")
        XCTAssertEqual(p.code(for: "42"), 12_046_016_997_345_568_067)
    }

    func testDigestsUsedForConfigHashesAndArmsAreUnchanged() {
        // A config hash (ExperimentConfig: SHA-256 of the config text).
        XCTAssertEqual(SHA256.hexDigest("name: t\n"), "685e3538e44a17d2d786588a0a61e937567d5b69e94a56121f1f5a1b978f86df")
        // The bytes HashAssignment reads for salt "exp-1" and a pseudonym: the first 8 of SHA-256("salt:pseudonym").
        XCTAssertEqual(Array(SHA256.hash(Array("exp-1:u0000000000000001".utf8)).prefix(8)).hexString, "d5657f797ab55c1e")
    }

    func testContentHashIsUnchanged() {
        let content = Self.pinnedContent()
        XCTAssertEqual(content.interactions.count, 5_000)
        XCTAssertEqual(ContentHash.compute(content), "7169ff5de8dde14c8d8abc16ec2abb8c20aae4f9c719cd3a78296ae0eb9d3756")
        // The same rows grouped by user (one run each, the way importers write them) hash the same.
        var grouped = content
        grouped.interactions.sort { ($0.userId, $0.movieId, $0.timestamp) < ($1.userId, $1.movieId, $1.timestamp) }
        XCTAssertEqual(ContentHash.compute(grouped), "7169ff5de8dde14c8d8abc16ec2abb8c20aae4f9c719cd3a78296ae0eb9d3756")
    }

    /// One keyed value serves many messages (the pseudonymiser keeps one) and many threads (worlds
    /// pseudonymise users in parallel): each message must start from the keyed state, never from another's.
    func testKeyedHMACIsReusableAcrossMessagesAndThreads() {
        let key = [UInt8](repeating: 0x0b, count: 20)
        let mac = HMACSHA256(key: key)
        let hiThere = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" // RFC 4231 case 1
        XCTAssertEqual(mac.authenticationCode(for: Array("Hi There".utf8)).hexString, hiThere)
        XCTAssertNotEqual(mac.authenticationCode(for: Array("something else".utf8)).hexString, hiThere)
        XCTAssertEqual(mac.authenticationCode(for: Array("Hi There".utf8)).hexString, hiThere)

        let p = Pseudonymizer(key: Pseudonymizer.developmentKey)
        let ids = (0..<2_000).map { "\($0)" }
        let serial = ids.map { p.pseudonym(for: $0) }
        let parallel = UnsafeMutableBufferPointer<String>.allocate(capacity: ids.count)
        parallel.initialize(repeating: "")
        defer { parallel.deinitialize(); parallel.deallocate() }
        // nonisolated(unsafe): each worker writes only its own indices, and concurrentPerform returns after all.
        nonisolated(unsafe) let slots = parallel
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for k in stride(from: worker, to: ids.count, by: 8) { slots[k] = p.pseudonym(for: ids[k]) }
        }
        XCTAssertEqual(Array(parallel), serial)
        XCTAssertEqual(serial[42], "ua72c0ca2f519a543")
    }

    /// Movies, users with demographics, 5,000 interactions in random order with optional fields, tags,
    /// and an artifact larger than half the hash's staging buffer.
    static func pinnedContent() -> DatasetContent {
        var c = DatasetContent(name: "pin", source: "test")
        for m in stride(from: 40, through: 1, by: -1) {
            let year: Int? = m % 3 == 0 ? nil : 1950 + m
            let genres: [String] = m % 4 == 0 ? [] : ["Drama", "Sci-Fi"]
            let imdb: String? = m % 2 == 0 ? "tt\(m)" : nil
            let tmdb: String? = m % 5 == 0 ? "\(m * 11)" : nil
            let release: Int64? = m % 2 == 1 ? Int64(m) * 86_400 : nil
            c.movies.append(MovieRecord(id: Int64(m * 7), title: "Título \(m)", year: year, genres: genres,
                                        imdbId: imdb, tmdbId: tmdb, releaseTimestamp: release))
        }
        for u in 1...30 {
            let code = UInt64(u) &* 0x9E37_79B9_7F4A_7C15
            let demographics: [String: String] = u % 3 == 0 ? ["age": "\(20 + u)", "gender": u % 2 == 0 ? "F" : "M"] : [:]
            c.users.append(UserRecord(id: Int64(u), pseudonym: "u" + String(code, radix: 16), demographics: demographics))
        }
        var rng = SeededRandom(seed: 2024)
        for _ in 0..<5_000 {
            let user = Int64(1 + rng.next() % 30)
            let movie = Int64(7 * (1 + rng.next() % 40))
            let time = Int64(rng.next() % 1_000_000)
            let rating: Float? = rng.next() % 3 == 0 ? nil : Float(1 + rng.next() % 10) / 2
            let watch: Float? = rng.next() % 2 == 0 ? nil : Float(rng.next() % 7_200)
            let completion: Float? = rng.next() % 2 == 0 ? nil : Float(rng.next() % 101) / 100
            c.interactions.append(InteractionRecord(userId: user, movieId: movie, timestamp: time,
                                                    rating: rating, watchSeconds: watch, completion: completion))
        }
        for k in 0..<50 {
            c.tags.append(TagRecord(userId: Int64(1 + k % 30), movieId: Int64(7 * (1 + k % 40)), tag: "tag \(k % 9)",
                                    timestamp: Int64(k % 13)))
        }
        c.artifacts = ["truth": Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }), "small": Data([1, 2, 3])]
        return c
    }
}
