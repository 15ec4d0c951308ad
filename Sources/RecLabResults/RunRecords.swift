// What a run records in the results store beside its document: summary rows and per-user values.
// Produced by the runners (Eval, Sim) and persisted by RecLabStore.

/// A summary metric row of a run.
public struct RunMetricRow: Sendable {
    public var subject: String
    public var metric: String
    public var fold: Int?
    public var summary: MetricSummary

    public init(subject: String, metric: String, fold: Int?, summary: MetricSummary) {
        self.subject = subject; self.metric = metric; self.fold = fold; self.summary = summary
    }
}

/// Per-user values of one metric for one strategy or arm (user = dense pseudonymous index).
public struct UserMetricValues: Sendable {
    public var subject: String
    public var metric: String
    public var fold: Int?
    public var users: [Int32]
    public var values: [Double]

    public init(subject: String, metric: String, fold: Int?, users: [Int32], values: [Double]) {
        precondition(users.count == values.count)
        self.subject = subject; self.metric = metric; self.fold = fold; self.users = users; self.values = values
    }
}
