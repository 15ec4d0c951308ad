import Foundation
import RecLabCore
import RecLabImport
import RecLabStore
import RecLabTestSupport
import XCTest

/// Fixtures: small hand-written MovieLens folders in Tests/RecLabStoreTests/Fixtures (one per malformed case).
enum Fixtures {
    static let root = TestSupport.packageRoot.appendingPathComponent("Tests/RecLabStoreTests/Fixtures")
    static func path(_ name: String) -> String { root.appendingPathComponent(name).path }
}

private let testKey = Pseudonymizer(key: "test-key-not-secret")

private func load(_ fixture: String, format: MovieLensFormat? = nil, keepDemographics: Bool = false) throws -> ImportResult {
    try MovieLensImporter.load(path: Fixtures.path(fixture), format: format,
                               options: ImportOptions(pseudonymizer: testKey, keepDemographics: keepDemographics))
}

final class MovieLensImportTests: XCTestCase {
    func testLatestFixtureContent() throws {
        let r = try load("latest-ok")
        let c = r.content
        XCTAssertEqual(r.report.format, .mlLatest)
        XCTAssertEqual(c.name, "latest-ok")
        XCTAssertEqual(c.movies.map(\.id), [1, 2, 3, 4])
        // RFC 4180 quoting: comma inside quotes, doubled quote, UTF-8 text.
        XCTAssertEqual(c.movies[1].title, "American President, The (1995)")
        XCTAssertEqual(c.movies[2].title, "Cité des enfants perdus, La \"City\" (1995)")
        XCTAssertEqual(c.movies.map(\.year), [1995, 1995, 1995, nil])
        XCTAssertEqual(c.movies[0].genres, ["Adventure", "Animation", "Children", "Comedy", "Fantasy"])
        XCTAssertEqual(c.movies[3].genres, ["(no genres listed)"])
        XCTAssertEqual(c.movies[0].imdbId, "0114709")
        XCTAssertEqual(c.movies[0].tmdbId, "862")
        XCTAssertNil(c.movies[2].tmdbId)
        // Users 1, 2, 7 rate; 9 only tags: 4 users, store ids 1...4.
        XCTAssertEqual(c.users.count, 4)
        XCTAssertEqual(c.users.map(\.id), [1, 2, 3, 4])
        XCTAssertEqual(c.users.map(\.pseudonym), c.users.map(\.pseudonym).sorted(), "store ids follow pseudonym order")
        XCTAssertEqual(c.interactions.count, 5)
        XCTAssertEqual(c.tags.count, 3)
        XCTAssertTrue(c.warnings.isEmpty)
        // User 2's ratings survive with the right values and times.
        let user2 = c.users.first { $0.pseudonym == testKey.pseudonym(for: "2") }!
        let rows = c.interactions.filter { $0.userId == user2.id }
        XCTAssertEqual(rows.map(\.movieId), [1, 3])
        XCTAssertEqual(rows.map(\.rating), [0.5, 5.0])
        XCTAssertEqual(rows.map(\.timestamp), [1_445_714_994, 1_445_714_996])
        XCTAssertEqual(c.tags.first { $0.movieId == 3 }?.tag, "funny, dark")
        XCTAssertEqual(r.report.recordsRead, 4 + 4 + 5 + 3)
    }

    func testSameDataInAnotherOrderHasTheSameHash() throws {
        let a = try load("latest-ok").content, b = try load("latest-reordered").content
        XCTAssertEqual(ContentHash.compute(a), ContentHash.compute(b))
        // And a real change changes it.
        var c = a
        c.interactions[0].rating = 1
        XCTAssertNotEqual(ContentHash.compute(a), ContentHash.compute(c))
    }

    func testPseudonymsNeverContainRawIdsAndDependOnTheKey() throws {
        let c = try load("ml100k-ok").content
        for u in c.users {
            XCTAssertTrue(u.pseudonym.hasPrefix("u"))
            XCTAssertEqual(u.pseudonym.count, 17)
            XCTAssertTrue(u.demographics.isEmpty, "demographics are dropped by default")
        }
        let raw = Set(["1", "2", "3"].map { testKey.pseudonym(for: $0) })
        XCTAssertEqual(Set(c.users.map(\.pseudonym)), raw)
        // Nothing that is not a pseudonym: no external id string anywhere in the user records.
        XCTAssertFalse(c.users.contains { ["1", "2", "3"].contains($0.pseudonym) })
        let other = try MovieLensImporter.load(path: Fixtures.path("ml100k-ok"), format: nil,
                                               options: ImportOptions(pseudonymizer: Pseudonymizer(key: "another")))
        XCTAssertTrue(Set(other.content.users.map(\.pseudonym)).isDisjoint(with: raw))
    }

    func testDemographicsKeptOnlyWhenAsked() throws {
        let c = try load("ml100k-ok", keepDemographics: true).content
        let u1 = c.users.first { $0.pseudonym == testKey.pseudonym(for: "1") }!
        XCTAssertEqual(u1.demographics, ["age": "24", "gender": "M", "occupation": "technician", "zip": "85711"])
        let m = try load("ml1m-ok", keepDemographics: true).content
        XCTAssertEqual(m.users.first { $0.pseudonym == testKey.pseudonym(for: "2") }?.demographics,
                       ["gender": "M", "age": "56", "occupation": "16", "zip": "70072"])
    }

    func testML100K() throws {
        let r = try load("ml100k-ok")
        XCTAssertEqual(r.report.format, .ml100k)
        let c = r.content
        XCTAssertEqual(c.movies.map(\.title), ["Toy Story (1995)", "GoldenEye (1995)", "unknown", "Café Society"])
        XCTAssertEqual(c.movies[0].genres, ["Comedy"])
        XCTAssertEqual(c.movies[1].genres, ["Action"])
        XCTAssertEqual(c.movies[2].genres, ["(no genres listed)"], "the 'unknown' flag means no genre")
        XCTAssertEqual(c.movies.map(\.year), [1995, 1995, nil, 1996], "year from the title, else the release date")
        XCTAssertEqual(c.interactions.count, 4)
        XCTAssertEqual(c.interactions.map(\.rating).compactMap { $0 }.sorted(), [1, 3, 4, 5])
    }

    func testML1MAndML10M() throws {
        let m1 = try load("ml1m-ok")
        XCTAssertEqual(m1.report.format, .ml1m)
        XCTAssertEqual(m1.content.movies[1].title, "Café au lait (1993)", "ml-1m is Latin-1")
        XCTAssertEqual(m1.content.movies[0].genres, ["Animation", "Children's", "Comedy"])
        XCTAssertEqual(m1.content.users.count, 2)
        XCTAssertEqual(m1.content.interactions.count, 3)

        let m10 = try load("ml10m-ok")
        XCTAssertEqual(m10.report.format, .ml10m)
        XCTAssertEqual(m10.content.users.count, 3, "users from ratings (1, 5) and tags (5, 8)")
        XCTAssertEqual(m10.content.interactions.compactMap(\.rating).sorted(), [0.5, 3, 4.5])
        XCTAssertEqual(m10.content.tags.map(\.tag).sorted(), ["board game", "pixar", "see::also"], "a tag may hold '::'")
        XCTAssertEqual(m10.content.movies.map(\.title), ["Toy Story (1995)", "Jumanji (1995)", "Face::Off (1997)"], "so may a title")
        XCTAssertEqual(m10.content.movies[2].genres, ["Action", "Thriller"])
        XCTAssertEqual(m10.content.movies[2].year, 1997)
        // An explicit format that does not match the files says what is missing.
        XCTAssertThrowsError(try load("ml10m-ok", format: .ml1m)) { e in
            XCTAssertTrue((e as! RecLabError).message.contains("missing users.dat"), "\(e)")
        }
    }

    func testDuplicatesKeepTheFirstAndWarn() throws {
        let r = try load("latest-duplicates")
        XCTAssertEqual(r.report.duplicateRatings, 2)
        XCTAssertEqual(r.content.interactions.count, 3)
        XCTAssertEqual(r.content.warnings.count, 1)
        XCTAssertTrue(r.content.warnings[0].contains("2 duplicate (user, movie, timestamp)"), r.content.warnings[0])
        XCTAssertTrue(r.content.warnings[0].contains("line 4"), r.content.warnings[0])
        // The first (4.0 at line 2), not the later 2.0 at line 4, is kept.
        let u1 = r.content.users.first { $0.pseudonym == testKey.pseudonym(for: "1") }!
        XCTAssertEqual(r.content.interactions.first { $0.userId == u1.id && $0.movieId == 1 }?.rating, 4.0)
    }

    func testDuplicateTagsKeepTheFirstAndWarn() throws {
        let r = try load("latest-duplicate-tags")
        XCTAssertEqual(r.report.duplicateTags, 1)
        XCTAssertEqual(r.content.tags.map(\.tag), ["Fun", "fun"], "tags differing in case are distinct")
        XCTAssertEqual(r.content.warnings.count, 1)
        XCTAssertTrue(r.content.warnings[0].contains("tags.csv: 1 duplicate (user, movie, timestamp, tag)"), r.content.warnings[0])
        XCTAssertTrue(r.content.warnings[0].contains("line 3"), r.content.warnings[0])
    }

    func testZipArchive() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/zip"), FileManager.default.isExecutableFile(atPath: "/usr/bin/unzip") else {
            throw XCTSkip("needs /usr/bin/zip and /usr/bin/unzip")
        }
        let dir = try TestSupport.temporaryDirectory(self)
        let work = dir.appendingPathComponent("ml-fixture")
        try FileManager.default.copyItem(atPath: Fixtures.path("latest-ok"), toPath: work.path)
        let zip = dir.appendingPathComponent("ml-fixture.zip").path
        let z = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/zip"), ["-qr", zip, "ml-fixture"], currentDirectory: dir)
        XCTAssertEqual(z.status, 0, z.stderr)
        let r = try MovieLensImporter.load(path: zip, format: nil, options: ImportOptions(pseudonymizer: testKey))
        XCTAssertEqual(r.content.name, "ml-fixture")
        XCTAssertEqual(ContentHash.compute(r.content), ContentHash.compute(try load("latest-ok").content))
    }
}

/// Each malformed input fails with an input error naming the file, the line and the problem.
final class MalformedInputTests: XCTestCase {
    private func assertInputError(_ fixture: String, file: String, line: Int?, contains text: String,
                                  sourceLine: UInt = #line) {
        XCTAssertThrowsError(try load(fixture), line: sourceLine) { error in
            guard let e = error as? RecLabError else { return XCTFail("not a RecLabError: \(error)", line: sourceLine) }
            XCTAssertEqual(e.kind, .input, "\(e)", line: sourceLine)
            XCTAssertEqual(e.file.map { URL(fileURLWithPath: $0).lastPathComponent }, file, "\(e)", line: sourceLine)
            XCTAssertEqual(e.line, line, "\(e)", line: sourceLine)
            XCTAssertTrue(e.message.contains(text), "message '\(e.message)' lacks '\(text)'", line: sourceLine)
        }
    }

    func testTruncatedLine() {
        assertInputError("latest-truncated", file: "ratings.csv", line: 3, contains: "truncated line: the file ends inside this line")
        // Cut inside the last value: the line still has 4 well-formed fields (timestamp 96498 instead of
        // 964982703), so only the missing final line break shows the truncation.
        assertInputError("latest-truncated-value", file: "ratings.csv", line: 3, contains: "truncated line: the file ends inside this line")
    }

    func testWrongColumnCount() {
        assertInputError("latest-wrong-columns", file: "ratings.csv", line: 3, contains: "wrong column count: expected 4 fields (userId, movieId, rating, timestamp), found 5")
    }

    func testUnclosedQuote() {
        assertInputError("latest-unclosed-quote", file: "movies.csv", line: 3, contains: "bad quoting: the quoted field opened on line 3 is never closed")
    }

    func testQuoteInsideUnquotedField() {
        assertInputError("latest-stray-quote", file: "movies.csv", line: 3, contains: "bad quoting: a quote inside unquoted field 2")
    }

    func testNonNumericRating() {
        assertInputError("latest-non-numeric-rating", file: "ratings.csv", line: 3, contains: "column 'rating': 'four' is not a number")
    }

    func testRatingOutOfRange() {
        assertInputError("latest-rating-out-of-range", file: "ratings.csv", line: 3, contains: "'5.5' is out of range (0.5 to 5 in half stars)")
        assertInputError("ml100k-bad-rating", file: "u.data", line: 2, contains: "'6' is out of range (1 to 5 in whole stars)")
    }

    func testUnknownMovieInRatingsAndTags() {
        assertInputError("latest-unknown-movie", file: "ratings.csv", line: 3, contains: "unknown movie id 99")
        assertInputError("latest-unknown-movie-tag", file: "tags.csv", line: 3, contains: "unknown movie id 42")
        assertInputError("latest-empty-tag", file: "tags.csv", line: 3, contains: "column 'tag' is empty")
    }

    func testInvalidUTF8() {
        assertInputError("latest-invalid-utf8", file: "movies.csv", line: 3, contains: "invalid UTF-8 (byte 0xE9")
    }

    func testEmptyFile() {
        assertInputError("latest-empty-ratings", file: "ratings.csv", line: 1, contains: "the file is empty")
    }

    func testDatFormatColumnCount() {
        assertInputError("ml1m-wrong-columns", file: "ratings.dat", line: 2, contains: "wrong column count: expected 4 fields (userId, movieId, rating, timestamp), found 3")
    }

    func testLineNumbersCountPhysicalLinesInsideQuotedFields() {
        assertInputError("latest-multiline-title", file: "movies.csv", line: 5, contains: "column 'movieId': 'x' is not an integer")
    }

    func testUnexpectedHeaderBlankLineDuplicateMovieUnknownUser() {
        assertInputError("latest-bad-header", file: "ratings.csv", line: 1, contains: "unexpected header 'user,movie,rating,timestamp'; expected 'userId,movieId,rating,timestamp'")
        // A stray carriage return (\r\r\n line ends) is shown as \r, not as an invisible difference.
        assertInputError("latest-header-cr", file: "ratings.csv", line: 1, contains: "unexpected header 'userId,movieId,rating,timestamp\\r'; expected")
        assertInputError("latest-blank-line", file: "ratings.csv", line: 3, contains: "blank line inside the data")
        assertInputError("latest-duplicate-movie", file: "movies.csv", line: 4, contains: "duplicate movie id 1 (first listed on line 2)")
        assertInputError("ml100k-unknown-user", file: "u.data", line: 3, contains: "unknown user id 944 (not in the users file)")
    }

    func testUnknownFolder() {
        assertInputError("not-movielens", file: "not-movielens", line: nil, contains: "not a known MovieLens folder: expected u.data + u.item")
    }
}

/// The real datasets in ../shared/datasets (skipped when absent).
final class SharedDatasetImportTests: XCTestCase {
    func testMLLatestSmallCountsExactly() throws {
        let path = try TestSupport.sharedDataset("ml-latest-small").path
        let r = try MovieLensImporter.load(path: path, format: nil, options: ImportOptions(pseudonymizer: testKey))
        XCTAssertEqual(r.report.format, .mlLatest)
        XCTAssertEqual(r.content.users.count, 610)
        XCTAssertEqual(r.content.movies.count, 9_742)
        XCTAssertEqual(r.content.ratingCount, 100_836)
        XCTAssertEqual(r.content.tags.count, 3_683)
        XCTAssertTrue(r.content.warnings.isEmpty)
        // Through the store and back.
        let dir = try TestSupport.temporaryDirectory(self)
        let db = dir.appendingPathComponent("mls.sqlite").path
        let hash = try DatasetStore.write(r.content, to: db, force: false)
        let inspection = try DatasetInspection.compute(path: db)
        XCTAssertEqual(inspection.contentHash, hash)
        XCTAssertEqual([inspection.users, inspection.movies, inspection.ratings, inspection.tags, inspection.events],
                       [610, 9_742, 100_836, 3_683, 0])
        // Reference values computed independently with Python's csv module and numpy.quantile (default,
        // linear) over ratings.csv; movies without ratings counted as 0.
        XCTAssertEqual(inspection.meanRating ?? 0, 3.501556983616962, accuracy: 1e-9)
        XCTAssertEqual(inspection.ratingHistogram.first { $0.rating == 4.0 }?.count, 26_818)
        let u = inspection.interactionsPerUser, m = inspection.interactionsPerMovie
        for (got, want) in zip([u.min, u.p25, u.p50, u.p75, u.p90, u.p99, u.max], [20.0, 35.0, 70.5, 168.0, 400.3, 1256.22, 2698.0]) {
            XCTAssertEqual(got, want, accuracy: 1e-6)
        }
        for (got, want) in zip([m.min, m.p25, m.p50, m.p75, m.p90, m.p99, m.max], [0.0, 1.0, 3.0, 9.0, 27.0, 114.18, 329.0]) {
            XCTAssertEqual(got, want, accuracy: 1e-6)
        }
    }

    func testML100KCounts() throws {
        let path = try TestSupport.sharedDataset("ml-100k").path
        let r = try MovieLensImporter.load(path: path, format: nil, options: ImportOptions(pseudonymizer: testKey))
        XCTAssertEqual(r.report.format, .ml100k)
        XCTAssertEqual(r.content.users.count, 943)
        XCTAssertEqual(r.content.movies.count, 1_682)
        XCTAssertEqual(r.content.ratingCount, 100_000)
        XCTAssertTrue(r.content.warnings.isEmpty)
    }
}

final class MovieLensFormatNameTests: XCTestCase {
    func testNamesAndAliases() {
        XCTAssertEqual(MovieLensFormat(name: "ml-100k"), .ml100k)
        XCTAssertEqual(MovieLensFormat(name: "ml-25m"), .mlLatest)
        XCTAssertEqual(MovieLensFormat(name: "ml-latest-small"), .mlLatest)
        XCTAssertNil(MovieLensFormat(name: "auto"))
        XCTAssertNil(MovieLensFormat(name: "netflix"))
    }
}
