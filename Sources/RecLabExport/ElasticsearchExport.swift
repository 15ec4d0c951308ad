import Foundation
import RecLabCore
import RecLabResults

/// A run to export with the time its documents carry.
public struct ExportRun: Sendable {
    public var document: ResultDocument
    /// ISO 8601 UTC.
    public var time: String
    /// Where `time` came from: `created_at` (the document), `recorded_at` (the results store) or
    /// `file_mtime` (the result file's modification time; A/B documents carry no time of their own).
    public var timeSource: String

    public init(document: ResultDocument, time: String, timeSource: String) {
        self.document = document; self.time = time; self.timeSource = timeSource
    }
}

/// One Elasticsearch document: the index it goes to, its id and its source.
public struct ESDocument: Equatable, Sendable {
    public var index: String
    public var id: String
    public var source: JSONValue

    /// The two bulk lines (`index` action, then the document), each ending in a newline.
    public var bulkLines: String {
        JSONValue.object(["index": .object(["_index": .string(index), "_id": .string(id)])]).text + "\n" + source.text + "\n"
    }
}

/// Runs as Elasticsearch documents, in four indices (docs/export.md lists every field):
/// - `reclab-runs`: one per run (kind, name, dataset, config hash, seed, version, commit, time);
/// - `reclab-metrics`: one per strategy (offline), arm (A/B) or policy/estimator (OPE) × metric × fold,
///   with value and 95% CI;
/// - `reclab-ab-daily`: one per A/B day × arm × metric, with value and CI, and the day's counts;
/// - `reclab-ab-comparisons`: one per A/B lift against control (absolute and relative, CIs, p-values).
/// Document ids hash the run id and the row's key, so exporting a run again replaces its documents
/// (bulk `index` action) instead of adding copies.
public enum ElasticsearchExport {
    public static let runsIndex = "reclab-runs"
    public static let metricsIndex = "reclab-metrics"
    public static let dailyIndex = "reclab-ab-daily"
    public static let comparisonsIndex = "reclab-ab-comparisons"
    public static let indices = [runsIndex, metricsIndex, dailyIndex, comparisonsIndex]

    /// A stable id: SHA-256 of index, run id and row key (hex, 40 characters).
    public static func documentId(index: String, runId: String, key: [String]) -> String {
        String(SHA256.hexDigest(([index, runId] + key).joined(separator: "\u{1F}")).prefix(40))
    }

    public static func documents(_ run: ExportRun) -> [ESDocument] {
        let d = run.document
        let p = d.provenance
        // Fields every document of the run carries, so each index filters by run, kind and dataset alone.
        let common: [String: JSONValue] = [
            "run_id": .string(d.runId), "kind": .string(d.kind), "run_name": .string(d.name),
            "dataset": .string(p.dataset.name), "dataset_hash": .string(p.dataset.contentHash),
            "@timestamp": .string(run.time), "time_source": .string(run.timeSource),
        ]
        func doc(_ index: String, _ key: [String], _ fields: [String: JSONValue]) -> ESDocument {
            ESDocument(index: index, id: documentId(index: index, runId: d.runId, key: key),
                       source: .object(common.merging(fields) { _, new in new }))
        }
        var out: [ESDocument] = []
        var runFields: [String: JSONValue] = [
            "config_path": .optional(p.configPath), "config_hash": .string(p.configHash), "seed": .string(String(p.seed)),
            "reclab_version": .string(p.reclabVersion), "git_commit": .optional(p.gitCommit),
            "dataset_source": .string(p.dataset.source), "dataset_users": .integer(p.dataset.users),
            "dataset_movies": .integer(p.dataset.movies), "dataset_interactions": .integer(p.dataset.interactions),
            "synthetic": .bool(p.dataset.synthetic),
        ]
        switch d {
        case .offline(let o):
            runFields["subjects"] = .array(o.strategies.map { .string($0.name) })
            runFields["split"] = .string(o.split.method)
            runFields["folds"] = .integer(o.split.folds)
            runFields["failed"] = .array((o.failures ?? []).map { .string($0.strategy) })
            out.append(doc(runsIndex, [], runFields))
            for r in o.results {
                let fold = r.fold.map(String.init) ?? "all"
                out.append(doc(metricsIndex, [r.strategy, r.metric, fold], [
                    "subject": .string(r.strategy), "strategy": .string(r.strategy), "metric": .string(r.metric),
                    "metric_base": .string(r.base), "k": .optional(r.k), "fold": .string(fold),
                    "value": .number(r.mean), "ci_low": .number(r.ciLow), "ci_high": .number(r.ciHigh), "n": .integer(r.nUsers),
                    "lower_is_better": .bool(r.lowerIsBetter),
                ]))
            }
        case .ab(let a):
            runFields["subjects"] = .array(a.arms.map { .string($0.name) })
            runFields["control"] = .string(a.control)
            runFields["days"] = .integer(a.days)
            runFields["alpha"] = .number(a.alpha)
            runFields["srm_ok"] = .bool(a.srm.ok)
            runFields["srm_p"] = .number(a.srm.pValue)
            out.append(doc(runsIndex, [], runFields))
            for arm in a.arms {
                for m in arm.metrics.keys.sorted() {
                    let s = arm.metrics[m]!
                    out.append(doc(metricsIndex, [arm.name, m, "all"], [
                        "subject": .string(arm.name), "arm": .string(arm.name), "strategy": .string(arm.strategy),
                        "metric": .string(m), "metric_base": .string(MetricDirection.baseName(m)), "fold": .string("all"),
                        "value": .number(s.mean), "ci_low": .number(s.ciLow), "ci_high": .number(s.ciHigh), "n": .integer(s.n),
                        "lower_is_better": .bool(MetricDirection.lowerIsBetter(m)),
                    ]))
                }
            }
            for day in a.daily {
                for m in day.metrics.keys.sorted() {
                    let s = day.metrics[m]!
                    out.append(doc(dailyIndex, [String(day.day), day.arm, m], [
                        "day": .integer(day.day), "arm": .string(day.arm), "metric": .string(m),
                        "value": .number(s.mean), "ci_low": .number(s.ciLow), "ci_high": .number(s.ciHigh), "n": .integer(s.n),
                        "visits": .integer(day.visits), "impressions": .integer(day.impressions), "plays": .integer(day.plays),
                        "gini": .number(day.gini), "coverage": .number(day.coverage),
                    ]))
                }
            }
            let cuped = (a.cuped ?? []).flatMap { r in r.comparisons.map { ("cuped", $0) } }
            for (adjustment, c) in a.comparisons.map({ ("none", $0) }) + cuped {
                out.append(doc(comparisonsIndex, [adjustment, c.arm, c.metric], [
                    "arm": .string(c.arm), "control": .string(c.control), "metric": .string(c.metric), "adjustment": .string(adjustment),
                    "lift": .number(c.lift), "ci_low": .number(c.ciLow), "ci_high": .number(c.ciHigh),
                    "rel_lift": .number(c.relLift), "rel_ci_low": .number(c.relCiLow), "rel_ci_high": .number(c.relCiHigh),
                    "p_value": .number(c.pValue), "p_adjusted": .number(c.pAdjusted), "significant": .bool(c.significant),
                    "method": .string(c.method),
                ]))
            }
        case .ope(let o):
            runFields["subjects"] = .array(o.targets.map { .string($0.policy) })
            runFields["logging_policy"] = .string(o.loggingPolicy)
            runFields["log_size"] = .integer(o.logSize)
            out.append(doc(runsIndex, [], runFields))
            for t in o.targets {
                out.append(doc(metricsIndex, [t.policy, "true_value", "all"], [
                    "subject": .string(t.policy + "/on-policy"), "strategy": .string(t.policy), "metric": .string("true_value"),
                    "metric_base": .string("value"), "fold": .string("all"),
                    "value": .number(t.trueValue), "ci_low": .number(t.trueCiLow), "ci_high": .number(t.trueCiHigh),
                    "lower_is_better": .bool(false),
                ]))
                for e in t.estimates {
                    out.append(doc(metricsIndex, [t.policy, e.estimator, "all"], [
                        "subject": .string(t.policy + "/" + e.estimator), "strategy": .string(t.policy), "metric": .string(e.estimator),
                        "metric_base": .string("value"), "fold": .string("all"),
                        "value": .number(e.value), "ci_low": .number(e.ciLow), "ci_high": .number(e.ciHigh), "n": .integer(e.n),
                        "lower_is_better": .bool(false),
                    ]))
                }
            }
        case .interleaving(let l):
            // Teams' credited plays as metric rows, each pair's preference as a comparison (arm = a against
            // control = b) and the cumulative preference by day in the daily index.
            runFields["subjects"] = .array(l.teams.map { .string($0.name) })
            runFields["days"] = .integer(l.days)
            runFields["alpha"] = .number(l.alpha)
            runFields["method"] = .string(l.method)
            out.append(doc(runsIndex, [], runFields))
            for t in l.teams {
                for (metric, value) in [("credited_plays", t.creditedPlays), ("credited_minutes", t.creditedMinutes)] {
                    out.append(doc(metricsIndex, [t.name, metric, "all"], [
                        "subject": .string(t.name), "strategy": .string(t.strategy), "metric": .string(metric),
                        "metric_base": .string(metric), "fold": .string("all"), "value": .number(value),
                        "lower_is_better": .bool(false),
                    ]))
                }
            }
            for pair in l.pairs {
                out.append(doc(comparisonsIndex, ["none", pair.a, pair.b], [
                    "arm": .string(pair.a), "control": .string(pair.b), "metric": .string("preference"),
                    "adjustment": .string("none"), "lift": .number(pair.preference), "ci_low": .number(pair.ciLow),
                    "ci_high": .number(pair.ciHigh), "p_value": .number(pair.pValue), "p_adjusted": .number(pair.pAdjusted),
                    "significant": .bool(pair.significant), "method": .string(l.method),
                ]))
            }
            for day in l.daily {
                out.append(doc(dailyIndex, [String(day.day), day.a, day.b], [
                    "day": .integer(day.day), "arm": .string(day.a), "metric": .string("preference_vs_" + day.b),
                    "value": .number(day.preference), "ci_low": .number(day.ciLow), "ci_high": .number(day.ciHigh),
                    "n": .integer(day.users),
                ]))
            }
        }
        return out
    }

    /// The bulk NDJSON of `runs`: an `index` action line and a document line per document, each ending
    /// in a newline (the bulk API requires the final one).
    public static func bulk(_ runs: [ExportRun]) -> String {
        runs.flatMap(documents).map(\.bulkLines).joined()
    }

    /// The composable index template (`PUT _index_template/reclab`) for the four indices: ids and names as
    /// `keyword`, times as `date`, values as `double` (statistics keep their precision), counts as `long`.
    public static func indexTemplate() -> JSONValue {
        func t(_ type: String) -> JSONValue { .object(["type": .string(type)]) }
        let keyword = t("keyword"), double = t("double"), long = t("long"), boolean = t("boolean")
        var properties: [String: JSONValue] = [
            "@timestamp": .object(["type": .string("date"), "format": .string("strict_date_optional_time")]),
        ]
        for f in ["run_id", "kind", "run_name", "dataset", "dataset_hash", "time_source", "config_path", "config_hash", "seed",
                  "reclab_version", "git_commit", "dataset_source", "subjects", "split", "failed", "control", "logging_policy",
                  "subject", "strategy", "arm", "metric", "metric_base", "fold", "adjustment", "method"] {
            properties[f] = keyword
        }
        for f in ["value", "ci_low", "ci_high", "lift", "rel_lift", "rel_ci_low", "rel_ci_high", "p_value", "p_adjusted",
                  "gini", "coverage", "alpha", "srm_p"] {
            properties[f] = double
        }
        for f in ["k", "n", "day", "visits", "impressions", "plays", "folds", "days", "log_size", "dataset_users", "dataset_movies",
                  "dataset_interactions"] {
            properties[f] = long
        }
        for f in ["lower_is_better", "significant", "synthetic", "srm_ok"] { properties[f] = boolean }
        return .object([
            "index_patterns": .array(indices.map { .string($0) }),
            "priority": .integer(200),
            "template": .object([
                "settings": .object(["number_of_shards": .integer(1)]),
                "mappings": .object(["dynamic": .string("strict"), "properties": .object(properties)]),
            ]),
            "_meta": .object(["description": .string("RecLab run history (reclab export --format es-bulk); see docs/export.md")]),
        ])
    }
}
