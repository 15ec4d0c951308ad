import Foundation

/// The platform's three entities as they are stored: movies, users and their interactions
/// (ratings and viewing events), plus free-text tags. Importers and the synthetic generator
/// produce a `DatasetContent`; the store persists it; `Dataset` is its dense in-memory form.

public struct MovieRecord: Hashable, Sendable, Codable {
    /// External movie id (MovieLens `movieId`, or the generator's id).
    public var id: Int64
    public var title: String
    public var year: Int?
    public var genres: [String]
    public var imdbId: String?
    public var tmdbId: String?
    /// Release time (Unix seconds) where known: synthetic worlds set it; MovieLens does not.
    public var releaseTimestamp: Int64?

    public init(id: Int64, title: String, year: Int? = nil, genres: [String] = [], imdbId: String? = nil,
                tmdbId: String? = nil, releaseTimestamp: Int64? = nil) {
        self.id = id; self.title = title; self.year = year; self.genres = genres
        self.imdbId = imdbId; self.tmdbId = tmdbId; self.releaseTimestamp = releaseTimestamp
    }
}

public struct UserRecord: Hashable, Sendable, Codable {
    /// Store row id, dense from 1. Not the external id: that never leaves the importer.
    public var id: Int64
    /// Keyed HMAC-SHA256 of the external id (see `Pseudonymizer`).
    public var pseudonym: String
    /// Demographic fields (gender, age, occupation, zip), empty unless the import kept them.
    public var demographics: [String: String]

    public init(id: Int64, pseudonym: String, demographics: [String: String] = [:]) {
        self.id = id; self.pseudonym = pseudonym; self.demographics = demographics
    }
}

/// One user-movie interaction: an explicit rating, a viewing event, or both.
public struct InteractionRecord: Hashable, Sendable {
    public var userId: Int64
    public var movieId: Int64
    /// Unix seconds.
    public var timestamp: Int64
    /// Explicit rating (MovieLens: 0.5...5 in half stars, ml-100k/1m: 1...5).
    public var rating: Float?
    /// Viewing events: seconds watched and the watched fraction of the title (0...1).
    public var watchSeconds: Float?
    public var completion: Float?

    public init(userId: Int64, movieId: Int64, timestamp: Int64, rating: Float? = nil,
                watchSeconds: Float? = nil, completion: Float? = nil) {
        self.userId = userId; self.movieId = movieId; self.timestamp = timestamp
        self.rating = rating; self.watchSeconds = watchSeconds; self.completion = completion
    }
}

public struct TagRecord: Hashable, Sendable {
    public var userId: Int64
    public var movieId: Int64
    public var tag: String
    public var timestamp: Int64

    public init(userId: Int64, movieId: Int64, tag: String, timestamp: Int64) {
        self.userId = userId; self.movieId = movieId; self.tag = tag; self.timestamp = timestamp
    }
}

/// Everything one dataset holds, as produced by an importer or the generator and persisted by the store.
public struct DatasetContent: Sendable {
    /// Short name (for example `ml-latest-small`, `synthetic-small`).
    public var name: String
    /// Where it came from: the import path and format, or the generator config and seed.
    public var source: String
    public var movies: [MovieRecord]
    public var users: [UserRecord]
    public var interactions: [InteractionRecord]
    public var tags: [TagRecord]
    /// Named binary blobs kept with the data, for example the synthetic world's ground truth.
    public var artifacts: [String: Data]
    /// Warnings counted during import (for example duplicate rows), kept as provenance.
    public var warnings: [String]

    public init(name: String, source: String, movies: [MovieRecord] = [], users: [UserRecord] = [],
                interactions: [InteractionRecord] = [], tags: [TagRecord] = [],
                artifacts: [String: Data] = [:], warnings: [String] = []) {
        self.name = name; self.source = source; self.movies = movies; self.users = users
        self.interactions = interactions; self.tags = tags; self.artifacts = artifacts; self.warnings = warnings
    }

    /// Ratings: interactions with an explicit rating.
    public var ratingCount: Int { interactions.reduce(0) { $0 + ($1.rating == nil ? 0 : 1) } }
    /// Viewing events: interactions with watch data.
    public var eventCount: Int { interactions.reduce(0) { $0 + ($1.watchSeconds == nil ? 0 : 1) } }
}
