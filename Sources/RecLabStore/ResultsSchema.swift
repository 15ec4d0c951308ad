/// Tables of the results store (experiment runs, metrics, per-user values).
public enum ResultsSchema {
    // PLACEHOLDER: the evaluation work defines these tables.
    public static let v1 = Migration(name: "0002-results", sql: "SELECT 1;")
}
