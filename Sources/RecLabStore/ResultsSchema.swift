/// Tables of a results store (`Migrations.results`): runs with provenance and their full output document, metric
/// summaries, and per-user metric values (users by dense pseudonymous index, never an external id).
public enum ResultsSchema {
    public static let v1 = Migration(name: "0002-results", sql: """
        CREATE TABLE runs (
            id             TEXT PRIMARY KEY,
            kind           TEXT NOT NULL,          -- offline | ab | ope
            name           TEXT NOT NULL,
            recorded_at    TEXT NOT NULL,
            config_path    TEXT,
            config_hash    TEXT NOT NULL,
            config_text    TEXT NOT NULL,
            dataset_name   TEXT NOT NULL,
            dataset_hash   TEXT NOT NULL,
            seed           INTEGER NOT NULL,
            reclab_version TEXT NOT NULL,
            git_commit     TEXT,
            document       TEXT NOT NULL           -- the run's metrics.json / ab.json / ope.json
        );
        CREATE TABLE run_metrics (
            run_id  TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            subject TEXT NOT NULL,                 -- strategy or arm name
            metric  TEXT NOT NULL,
            fold    INTEGER,
            mean    REAL,
            ci_low  REAL,
            ci_high REAL,
            n       INTEGER NOT NULL
        );
        CREATE INDEX run_metrics_run ON run_metrics(run_id);
        CREATE TABLE user_metrics (
            run_id     TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            subject    TEXT NOT NULL,
            metric     TEXT NOT NULL,
            fold       INTEGER,
            user_index INTEGER NOT NULL,
            value      REAL NOT NULL
        );
        CREATE INDEX user_metrics_run ON user_metrics(run_id, subject, metric);
        """)
}
