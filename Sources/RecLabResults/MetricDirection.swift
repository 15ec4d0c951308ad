/// Which direction is better for a metric, decided by name in this one place: lower is better for error
/// and concentration metrics (rmse, mae, gini, popularity), higher otherwise. Offline runs record the
/// decision per row (`MetricResult.lowerIsBetter`); documents that carry none (ab.json) are read with it.
public enum MetricDirection {
    public static let lowerIsBetterBases: Set<String> = ["rmse", "mae", "gini", "popularity"]

    /// `metric` is a full name (`ndcg@10`, `rmse`) or a base name.
    public static func lowerIsBetter(_ metric: String) -> Bool {
        lowerIsBetterBases.contains(baseName(metric).lowercased())
    }

    /// The metric without its cutoff: `ndcg@10` -> `ndcg`; `rmse` stays `rmse`.
    public static func baseName(_ metric: String) -> String {
        metric.split(separator: "@").first.map(String.init) ?? metric
    }
}
