/// The MovieLens file layouts RecLab reads (https://grouplens.org/datasets/movielens/).
public enum MovieLensFormat: String, CaseIterable, Sendable {
    /// ml-100k: `u.data` (tab-separated ratings), `u.item` (pipe-separated, Latin-1, 19 genre flags),
    /// `u.genre` (genre names), `u.user` (demographics).
    case ml100k = "ml-100k"
    /// ml-1m: `::`-separated `movies.dat`, `ratings.dat`, `users.dat` (Latin-1).
    case ml1m = "ml-1m"
    /// ml-10m (ml-10M100K): `::`-separated `movies.dat`, `ratings.dat`, `tags.dat`; no users file.
    case ml10m = "ml-10m"
    /// ml-latest, ml-latest-small, ml-20m, ml-25m, ml-32m: CSV with a header (RFC 4180, UTF-8):
    /// `movies.csv`, `ratings.csv`, optional `tags.csv` and `links.csv`.
    case mlLatest = "ml-latest"

    /// A format by name, accepting the ml-latest family's dataset names (ml-latest-small, ml-20m, ml-25m,
    /// ml-32m) as names of `.mlLatest`. Nil for an unknown name.
    public init?(name: String) {
        switch name {
        case "ml-latest-small", "ml-20m", "ml-25m", "ml-32m": self = .mlLatest
        default: self.init(rawValue: name)
        }
    }

    /// Files that must be present.
    public var requiredFiles: [String] {
        switch self {
        case .ml100k: return ["u.data", "u.item", "u.genre"]
        case .ml1m: return ["movies.dat", "ratings.dat", "users.dat"]
        case .ml10m: return ["movies.dat", "ratings.dat"]
        case .mlLatest: return ["movies.csv", "ratings.csv"]
        }
    }

    /// Recognises a format by the files of a folder: the first whose required files are all present.
    public static func detect(_ files: Set<String>) -> MovieLensFormat? {
        if files.contains("u.data") && files.contains("u.item") { return .ml100k }
        if files.contains("movies.dat") && files.contains("ratings.dat") {
            return files.contains("users.dat") ? .ml1m : .ml10m
        }
        if files.contains("movies.csv") && files.contains("ratings.csv") { return .mlLatest }
        return nil
    }

    /// What `--format auto` looks for, for the error when nothing matches.
    public static let expectedFiles =
        "u.data + u.item (ml-100k), movies.dat + ratings.dat (+ users.dat: ml-1m, else ml-10m), or movies.csv + ratings.csv (ml-latest, ml-latest-small, ml-20m, ml-25m, ml-32m)"
}
