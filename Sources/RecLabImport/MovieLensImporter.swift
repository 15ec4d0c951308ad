import Foundation
import RecLabCore

/// What an import needs besides the path.
public struct ImportOptions: Sendable {
    public var pseudonymizer: Pseudonymizer
    /// Keep gender/age/occupation/zip (ml-100k, ml-1m). Off by default: data minimisation.
    public var keepDemographics: Bool
    /// Dataset name; defaults to the folder or archive name (for example `ml-latest-small`).
    public var name: String?

    public init(pseudonymizer: Pseudonymizer, keepDemographics: Bool = false, name: String? = nil) {
        self.pseudonymizer = pseudonymizer; self.keepDemographics = keepDemographics; self.name = name
    }
}

/// Counts of one import, for the summary line and the benchmark.
public struct ImportReport: Sendable {
    public var format: MovieLensFormat
    /// Data lines read from all files (movies, links, users, ratings, tags; headers excluded).
    public var recordsRead: Int
    public var ratingsRead: Int
    public var tagsRead: Int
    public var duplicateRatings: Int
    public var duplicateTags: Int
    /// (user, movie) pairs rated at more than one time; every one of those ratings is kept.
    public var reratedPairs: Int = 0
    public var warnings: [String]
    /// Wall-clock seconds of each phase, in order (for the benchmark's "where the time goes").
    public var phaseSeconds: [(String, Double)]
}

public struct ImportResult: Sendable {
    public var content: DatasetContent
    public var report: ImportReport
}

/// Reads a MovieLens folder or zip into a `DatasetContent`. Every malformed input is a
/// `RecLabError.input` naming the file, the line and the problem; nothing is returned partially.
public enum MovieLensImporter {
    /// Imports `path` (a folder or a .zip). `format` nil means auto-detection from the file names.
    public static func load(path: String, format: MovieLensFormat?, options: ImportOptions) throws -> ImportResult {
        let source = try ImportSource.open(path)
        let detected = MovieLensFormat.detect(source.files)
        guard let format = format ?? detected else {
            throw RecLabError.input("not a known MovieLens folder: expected \(MovieLensFormat.expectedFiles)", file: path)
        }
        for f in format.requiredFiles where !source.has(f) {
            throw RecLabError.input("missing \(f), which the \(format.rawValue) format needs (found: \(source.files.sorted().prefix(12).joined(separator: ", ")))", file: path)
        }
        var name = options.name ?? ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        if name.isEmpty { name = format.rawValue }
        let t0 = DispatchTime.now().uptimeNanoseconds
        var reader = FormatReader(source: source)
        switch format {
        case .ml100k: try reader.read100k()
        case .ml1m, .ml10m: try reader.readDat(format)
        case .mlLatest: try reader.readLatest()
        }
        let t1 = DispatchTime.now().uptimeNanoseconds
        var builder = reader.builder
        let content = try builder.finish(name: name, source: "MovieLens \(format.rawValue): \(name)",
                                         pseudonymizer: options.pseudonymizer, keepDemographics: options.keepDemographics)
        let report = ImportReport(format: format, recordsRead: reader.records, ratingsRead: builder.ratingCount,
                                  tagsRead: builder.tagCount, duplicateRatings: builder.duplicateRatings,
                                  duplicateTags: builder.duplicateTags, reratedPairs: builder.reratedRatingPairs, warnings: builder.warnings,
                                  phaseSeconds: [("read + parse", Double(t1 - t0) / 1e9),
                                                 ("pseudonymise, order", Double(DispatchTime.now().uptimeNanoseconds - t1) / 1e9)])
        return ImportResult(content: content, report: report)
    }
}

/// How ratings are validated: ml-100k and ml-1m use whole stars 1...5, the others half stars 0.5...5.
enum RatingScale {
    case wholeStars
    case halfStars

    var description: String { self == .wholeStars ? "1 to 5 in whole stars" : "0.5 to 5 in half stars" }

    @inline(__always)
    func accepts(_ v: Double) -> Bool {
        switch self {
        case .wholeStars: return v >= 1 && v <= 5 && v == v.rounded()
        case .halfStars: return v >= 0.5 && v <= 5 && v * 2 == (v * 2).rounded()
        }
    }
}

/// The per-format file readers. Each reads whole files into memory and parses them in one pass.
struct FormatReader {
    let source: ImportSource
    var builder = ContentBuilder()
    /// Data lines read.
    var records = 0
    private var fields: [FieldSpan] = []

    init(source: ImportSource) {
        self.source = source
        fields.reserveCapacity(32)
    }

    // MARK: shared helpers

    /// Runs `body` over the bytes of file `name`, validating UTF-8 first when `utf8`.
    private static func withFile<T>(_ source: ImportSource, _ name: String, separator: Separator, utf8: Bool,
                                    _ body: (inout RecordReader) throws -> T) throws -> T {
        let display = source.displayName(name)
        let bytes = try source.read(name)
        return try bytes.withUnsafeBufferPointer { buf in
            if utf8 { try UTF8Check.validate(buf, file: display) }
            var reader = RecordReader(file: display, bytes: buf, separator: separator, requireFinalNewline: true)
            return try body(&reader)
        }
    }

    /// For an unquoted record of `count` fields whose next-to-last field (`text`, a title or a tag) may itself
    /// hold the separator: joins the pieces of that field back into one, so the record has `count` fields.
    /// Records of `count` or fewer fields are left alone (the caller reports a wrong count).
    static func rejoinText(_ fields: inout [FieldSpan], at text: Int, count: Int) {
        precondition(text == count - 2, "only the next-to-last field can be re-joined unambiguously")
        guard fields.count > count else { return }
        fields[text].end = fields[fields.count - 2].end
        fields[text + 1] = fields[fields.count - 1]
        fields.removeLast(fields.count - count)
    }

    /// Checks a CSV header against the expected column names.
    private mutating func expectHeader(_ reader: inout RecordReader, _ columns: [String]) throws {
        guard try reader.next(into: &fields) else { throw reader.error("the file is empty", line: 1) }
        let got = fields.map { reader.text($0, .utf8) }
        guard got == columns else {
            throw reader.error("unexpected header '\(Self.visible(got.joined(separator: ",")))'; expected '\(columns.joined(separator: ","))'")
        }
    }

    /// `text` with control characters written as escapes (a stray `\r` would otherwise make two equal-looking
    /// headers in an error message), cut to 80 characters (a file with old-Mac `\r` line ends is one long line).
    static func visible(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if out.unicodeScalars.count >= 80 { out += "..."; break }
            switch scalar {
            case "\r": out += "\\r"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Reads the next record and checks its field count. Nil at the end of the file.
    @inline(__always)
    private mutating func nextRecord(_ reader: inout RecordReader, expect count: Int, columns: String) throws -> Bool {
        guard try reader.next(into: &fields) else { return false }
        if fields.count != count {
            throw reader.error("wrong column count: expected \(count) fields (\(columns)), found \(fields.count)")
        }
        records += 1
        return true
    }

    /// Ratings files of every format: user, movie, rating, timestamp. The hot loop of an import.
    private mutating func readRatings(_ name: String, separator: Separator, header: [String]?, utf8: Bool, scale: RatingScale) throws {
        builder.ratingsFile = source.displayName(name)
        try FormatReader.withFile(source, name, separator: separator, utf8: utf8) { reader in
            if let header { try expectHeader(&reader, header) }
            // ~26 bytes per MovieLens rating line: a good first guess for the columns' capacity.
            builder.reserveRatings(reader.bytes.count / 24)
            let progress = reader.bytes.count > 64 << 20 ? ProgressReporter("read \(name) (bytes)", total: reader.bytes.count) : nil
            var reported = 0
            let columns = "userId, movieId, rating, timestamp"
            while try nextRecord(&reader, expect: 4, columns: columns) {
                let userId = try reader.id(fields[0], column: "userId")
                let movieId = try reader.id(fields[1], column: "movieId")
                let value = try reader.decimal(fields[2], column: "rating")
                guard scale.accepts(value) else {
                    throw reader.error("column 'rating': \(reader.shown(fields[2])) is out of range (\(scale.description))")
                }
                let time = try reader.integer(fields[3], column: "timestamp")
                let movie = try builder.movie(movieId, reader: reader, field: "movieId")
                let user = try builder.user(userId, reader: reader)
                builder.addRating(user: user, movie: movie, time: time, rating: Float(value), line: reader.line)
                if let progress, records & 0xFFFFF == 0 {
                    progress.advance(by: reader.position - reported)
                    reported = reader.position
                }
            }
            if let progress { progress.advance(by: reader.position - reported); progress.finish() }
            if builder.ratingCount == 0 { throw reader.error("no ratings in the file", line: reader.nextLine) }
        }
    }

    /// Tags files: user, movie, tag, timestamp.
    private mutating func readTags(_ name: String, separator: Separator, header: [String]?, encoding: TextEncoding) throws {
        builder.tagsFile = source.displayName(name)
        try FormatReader.withFile(source, name, separator: separator, utf8: encoding == .utf8) { reader in
            if let header { try expectHeader(&reader, header) }
            let columns = "userId, movieId, tag, timestamp"
            while true {
                guard try reader.next(into: &fields) else { break }
                // A `::` file's tag may itself hold `::`: user and movie are the first fields, time the last.
                if case .doubleColon = separator { Self.rejoinText(&fields, at: 2, count: 4) }
                if fields.count != 4 {
                    throw reader.error("wrong column count: expected 4 fields (\(columns)), found \(fields.count)")
                }
                records += 1
                let userId = try reader.id(fields[0], column: "userId")
                let movieId = try reader.id(fields[1], column: "movieId")
                let time = try reader.integer(fields[3], column: "timestamp")
                let movie = try builder.movie(movieId, reader: reader, field: "movieId")
                let user = try builder.user(userId, reader: reader)
                // MovieLens has no empty tags; one would become an empty term for the content strategy.
                if fields[2].count == 0 { throw reader.error("column 'tag' is empty") }
                builder.addTag(user: user, movie: movie, time: time, tag: reader.text(fields[2], encoding), line: reader.line)
            }
        }
    }

    // MARK: ml-latest family (CSV)

    mutating func readLatest() throws {
        var movies: [MovieRecord] = []
        var lines: [Int] = []
        let moviesFile = source.displayName("movies.csv")
        try FormatReader.withFile(source, "movies.csv", separator: .csv, utf8: true) { reader in
            try expectHeader(&reader, ["movieId", "title", "genres"])
            while try nextRecord(&reader, expect: 3, columns: "movieId, title, genres") {
                let id = try reader.id(fields[0], column: "movieId")
                let title = reader.text(fields[1], .utf8)
                let genres = reader.text(fields[2], .utf8)
                movies.append(MovieRecord(id: id, title: title, year: yearFromTitle(title),
                                          genres: genres.isEmpty ? [] : genres.split(separator: "|").map(String.init)))
                lines.append(reader.line)
            }
            if movies.isEmpty { throw reader.error("no movies in the file", line: reader.nextLine) }
        }
        try builder.setMovies(movies, lines: lines, file: moviesFile)

        if source.has("links.csv") {
            try FormatReader.withFile(source, "links.csv", separator: .csv, utf8: true) { reader in
                try expectHeader(&reader, ["movieId", "imdbId", "tmdbId"])
                var seen = Set<Int32>()
                while try nextRecord(&reader, expect: 3, columns: "movieId, imdbId, tmdbId") {
                    let movie = try builder.movie(try reader.id(fields[0], column: "movieId"), reader: reader, field: "movieId")
                    guard seen.insert(movie).inserted else { throw reader.error("a second links row for movie \(builder.movies[Int(movie)].id)") }
                    for (k, column) in [(1, "imdbId"), (2, "tmdbId")] where fields[k].count > 0 {
                        _ = try reader.id(fields[k], column: column) // digits only
                    }
                    let imdb = fields[1].count > 0 ? reader.text(fields[1], .utf8) : nil
                    let tmdb = fields[2].count > 0 ? reader.text(fields[2], .utf8) : nil
                    builder.setLinks(movie: movie, imdb: imdb, tmdb: tmdb)
                }
            }
        }
        try readRatings("ratings.csv", separator: .csv, header: ["userId", "movieId", "rating", "timestamp"],
                        utf8: true, scale: .halfStars)
        if source.has("tags.csv") {
            try readTags("tags.csv", separator: .csv, header: ["userId", "movieId", "tag", "timestamp"], encoding: .utf8)
        }
    }

    // MARK: ml-1m, ml-10m (`::`)

    mutating func readDat(_ format: MovieLensFormat) throws {
        let encoding: TextEncoding = format == .ml1m ? .latin1 : .utf8OrLatin1
        var movies: [MovieRecord] = []
        var lines: [Int] = []
        let moviesFile = source.displayName("movies.dat")
        try FormatReader.withFile(source, "movies.dat", separator: .doubleColon, utf8: false) { reader in
            while true {
                guard try reader.next(into: &fields) else { break }
                // A title may hold `::`; the id is the first field and the genres the last.
                Self.rejoinText(&fields, at: 1, count: 3)
                if fields.count != 3 {
                    throw reader.error("wrong column count: expected 3 fields (movieId::title::genres), found \(fields.count)")
                }
                records += 1
                let id = try reader.id(fields[0], column: "movieId")
                let title = reader.text(fields[1], encoding)
                let genres = reader.text(fields[2], encoding)
                movies.append(MovieRecord(id: id, title: title, year: yearFromTitle(title),
                                          genres: genres.isEmpty ? [] : genres.split(separator: "|").map(String.init)))
                lines.append(reader.line)
            }
            if movies.isEmpty { throw reader.error("no movies in the file", line: 1) }
        }
        try builder.setMovies(movies, lines: lines, file: moviesFile)

        if source.has("users.dat") {
            try FormatReader.withFile(source, "users.dat", separator: .doubleColon, utf8: false) { reader in
                let columns = "userId::gender::age::occupation::zip"
                while try nextRecord(&reader, expect: 5, columns: columns) {
                    let id = try reader.id(fields[0], column: "userId")
                    try builder.listUser(id, demographics: [
                        "gender": reader.text(fields[1], .latin1), "age": reader.text(fields[2], .latin1),
                        "occupation": reader.text(fields[3], .latin1), "zip": reader.text(fields[4], .latin1),
                    ], reader: reader)
                }
                if builder.userIndex.count == 0 { throw reader.error("no users in the file", line: 1) }
            }
        }
        try readRatings("ratings.dat", separator: .doubleColon, header: nil, utf8: false,
                        scale: format == .ml1m ? .wholeStars : .halfStars)
        if source.has("tags.dat") {
            try readTags("tags.dat", separator: .doubleColon, header: nil, encoding: encoding)
        }
    }

    // MARK: ml-100k

    mutating func read100k() throws {
        // u.genre: `name|index`, indices 0..<19 for the 19 flags of u.item.
        var genreNames: [String?] = []
        try FormatReader.withFile(source, "u.genre", separator: .byte(0x7C), utf8: false) { reader in
            while try nextRecord(&reader, expect: 2, columns: "genre|index") {
                let index = Int(try reader.id(fields[1], column: "index"))
                guard index < 64 else { throw reader.error("genre index \(index) is out of range") }
                if genreNames.count <= index { genreNames += Array(repeating: nil, count: index + 1 - genreNames.count) }
                genreNames[index] = reader.text(fields[0], .latin1)
            }
        }
        guard !genreNames.isEmpty, !genreNames.contains(where: { $0 == nil }) else {
            throw RecLabError.input("genre indices must run 0, 1, 2, ... without gaps", file: source.displayName("u.genre"))
        }
        let flagCount = genreNames.count

        var movies: [MovieRecord] = []
        var lines: [Int] = []
        let itemFile = source.displayName("u.item")
        try FormatReader.withFile(source, "u.item", separator: .byte(0x7C), utf8: false) { reader in
            let columns = "movieId|title|release date|video release date|IMDb URL|\(flagCount) genre flags"
            while try nextRecord(&reader, expect: 5 + flagCount, columns: columns) {
                let id = try reader.id(fields[0], column: "movieId")
                let title = reader.text(fields[1], .latin1)
                var genres: [String] = []
                for g in 0..<flagCount {
                    let f = fields[5 + g]
                    guard f.count == 1, reader.bytes[f.start] == 0x30 || reader.bytes[f.start] == 0x31 else {
                        throw reader.error("genre flag '\(genreNames[g]!)' must be 0 or 1, found \(reader.shown(f))")
                    }
                    // Flag 0 is "unknown": stored as MovieLens' "(no genres listed)" when it is the only one.
                    if reader.bytes[f.start] == 0x31 && (g != 0 || genreNames[0] != "unknown") {
                        genres.append(genreNames[g]!)
                    }
                }
                if genres.isEmpty { genres = ["(no genres listed)"] }
                var year = yearFromTitle(title)
                if year == nil {
                    // Release date `01-Jan-1995`: the year is the last four characters.
                    let date = reader.text(fields[2], .latin1)
                    if date.count >= 4, let y = Int(date.suffix(4)) { year = y }
                }
                movies.append(MovieRecord(id: id, title: title, year: year, genres: genres))
                lines.append(reader.line)
            }
            if movies.isEmpty { throw reader.error("no movies in the file", line: 1) }
        }
        try builder.setMovies(movies, lines: lines, file: itemFile)

        if source.has("u.user") {
            try FormatReader.withFile(source, "u.user", separator: .byte(0x7C), utf8: false) { reader in
                while try nextRecord(&reader, expect: 5, columns: "userId|age|gender|occupation|zip") {
                    let id = try reader.id(fields[0], column: "userId")
                    try builder.listUser(id, demographics: [
                        "age": reader.text(fields[1], .latin1), "gender": reader.text(fields[2], .latin1),
                        "occupation": reader.text(fields[3], .latin1), "zip": reader.text(fields[4], .latin1),
                    ], reader: reader)
                }
                if builder.userIndex.count == 0 { throw reader.error("no users in the file", line: 1) }
            }
        }
        try readRatings("u.data", separator: .byte(0x09), header: nil, utf8: false, scale: .wholeStars)
    }
}
