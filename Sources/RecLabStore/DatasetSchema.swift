/// Tables of a dataset store (`Migrations.dataset`). One SQLite file per dataset; results go in a results store.
///
/// `interactions` and `tags` carry no secondary index on purpose: a store is written once in bulk (an index
/// would slow every insert) and read whole (`DatasetStore.load`, `reclab inspect` scan the table), so no
/// query looks rows up by user or movie. Foreign keys document the references; the bulk write checks
/// them in Swift before inserting.
public enum DatasetSchema {
    public static let v1 = Migration(name: "0001-dataset", sql: """
        CREATE TABLE dataset_info (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE movies (
            id         INTEGER PRIMARY KEY,
            title      TEXT NOT NULL,
            year       INTEGER,
            genres     TEXT NOT NULL,          -- pipe-separated, as MovieLens writes them
            imdb_id    TEXT,
            tmdb_id    TEXT,
            release_ts INTEGER
        );
        CREATE TABLE users (
            id           INTEGER PRIMARY KEY,
            pseudonym    TEXT NOT NULL UNIQUE, -- keyed HMAC-SHA256 of the external id
            demographics TEXT                  -- JSON object, NULL unless --keep-demographics
        );
        CREATE TABLE interactions (
            user_id       INTEGER NOT NULL REFERENCES users(id),
            movie_id      INTEGER NOT NULL REFERENCES movies(id),
            ts            INTEGER NOT NULL,
            rating        REAL,
            watch_seconds REAL,
            completion    REAL
        );
        CREATE TABLE tags (
            user_id  INTEGER NOT NULL REFERENCES users(id),
            movie_id INTEGER NOT NULL REFERENCES movies(id),
            tag      TEXT NOT NULL,
            ts       INTEGER NOT NULL
        );
        CREATE TABLE artifacts (
            name TEXT PRIMARY KEY,
            data BLOB NOT NULL
        );
        """)
}
