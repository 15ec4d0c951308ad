import Foundation
import RecLabCore
import RecLabResults

/// How far a metric may get worse than its baseline before the gate fails.
/// Written `0.02` or `2%` (relative: 2% of the baseline value) or `abs:0.005` (absolute, in the metric's unit).
public enum Tolerance: Equatable, Sendable, CustomStringConvertible {
    case relative(Double)
    case absolute(Double)

    /// Default: 2% of the baseline value. Deterministic runs reproduce their values exactly, so this only has
    /// to absorb floating-point differences across machines and deliberate small trade-offs.
    public static let standard = Tolerance.relative(0.02)

    public init(parsing text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        func number(_ s: Substring) throws -> Double {
            guard let x = Double(s.trimmingCharacters(in: .whitespaces)), x.isFinite, x >= 0 else {
                throw RecLabError.usage("bad tolerance '\(text)': expected a non-negative number such as 0.02 (relative), 2% (relative) or abs:0.005 (absolute)")
            }
            return x
        }
        if t.lowercased().hasPrefix("abs:") {
            self = .absolute(try number(t.dropFirst(4)))
        } else if t.hasSuffix("%") {
            self = .relative(try number(t.dropLast()) / 100)
        } else {
            self = .relative(try number(Substring(t)))
        }
    }

    public var description: String {
        switch self {
        case .relative(let r): return "\(NumberFormat.exact(r * 100))%"
        case .absolute(let a): return "abs:\(NumberFormat.exact(a))"
        }
    }

    /// The largest allowed worsening for a baseline value.
    public func allowance(for baseline: Double) -> Double {
        switch self {
        case .relative(let r): return r * abs(baseline)
        case .absolute(let a): return a
        }
    }
}

/// The committed baseline: per strategy (or arm) and metric the value and its direction, plus provenance.
public struct Baseline: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var subject: String
        public var metric: String
        public var value: Double
        public var lowerIsBetter: Bool
    }

    public var format: String = Baseline.formatTag
    /// `offline` (metrics.json) or `ab` (ab.json).
    public var kind: String
    public var runId: String
    public var name: String
    public var datasetName: String
    public var datasetHash: String
    public var configHash: String
    public var configPath: String?
    public var seed: UInt64
    public var reclabVersion: String
    public var gitCommit: String?
    /// Optional tolerances stored with the baseline (strings as `--tolerance` takes them).
    public var tolerance: String?
    public var metricTolerances: [String: String]?
    public var metrics: [Entry]

    public static let formatTag = "reclab-baseline-1"

    public static func from(_ document: ResultDocument, tolerance: Tolerance? = nil, metricTolerances: [String: Tolerance] = [:]) throws -> Baseline {
        guard document.kind == "offline" || document.kind == "ab" else {
            throw RecLabError.usage("a baseline tracks metrics.json (offline) or ab.json (A/B) results, not \(document.kind)")
        }
        let p = document.provenance
        return Baseline(kind: document.kind, runId: document.runId, name: document.name, datasetName: p.dataset.name,
                        datasetHash: p.dataset.contentHash, configHash: p.configHash, configPath: p.configPath, seed: p.seed,
                        reclabVersion: p.reclabVersion, gitCommit: p.gitCommit, tolerance: tolerance?.description,
                        metricTolerances: metricTolerances.isEmpty ? nil : metricTolerances.mapValues(\.description),
                        metrics: document.trackedMetrics.map { Entry(subject: $0.subject, metric: $0.metric, value: $0.value, lowerIsBetter: $0.lowerIsBetter) })
    }

    public static func load(path: String) throws -> Baseline {
        guard FileManager.default.fileExists(atPath: path) else { throw RecLabError.io("no such baseline file", file: path) }
        let data = try ResultDocument.readBounded(path)
        let baseline: Baseline
        do {
            baseline = try ResultJSON.decoder().decode(Baseline.self, from: data)
        } catch let e as DecodingError {
            throw RecLabError.input("not a RecLab baseline (made by `reclab baseline update`): \(ResultDocument.describe(e))", file: path)
        } catch {
            throw RecLabError.input("not a RecLab baseline: \(error)", file: path)
        }
        guard baseline.format == formatTag else {
            throw RecLabError.input("unknown baseline format '\(baseline.format)' (expected \(formatTag))", file: path)
        }
        return baseline
    }

    public func encoded() throws -> Data {
        let encoder = ResultJSON.encoder()
        encoder.outputFormatting.insert(.withoutEscapingSlashes)
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }
}

/// The regression gate's verdict.
public struct GateReport: Sendable {
    public struct Row: Sendable {
        public enum Status: String, Sendable { case ok, regressed, improved }
        public var subject: String
        public var metric: String
        public var baseline: Double
        public var current: Double
        public var lowerIsBetter: Bool
        public var tolerance: Tolerance
        public var status: Status
        /// Worsening (positive = worse), in the metric's unit.
        public var worsening: Double
    }

    public var rows: [Row]
    public var warnings: [String]
    /// Metrics of the run that the baseline does not track (not gated).
    public var untracked: [String]
    public var passed: Bool { !rows.contains { $0.status == .regressed } }
    public var regressions: [Row] { rows.filter { $0.status == .regressed } }

    /// The regressions as a Markdown table (what `reclab check` prints on failure).
    public var regressionTable: ReportTable {
        var t = ReportTable(slug: "regressions", title: "Regressions beyond tolerance",
                            columns: [TableColumn("subject"), TableColumn("metric"), TableColumn("baseline", numeric: true),
                                      TableColumn("current", numeric: true), TableColumn("worse by", numeric: true),
                                      TableColumn("relative", numeric: true), TableColumn("tolerance")], rows: [])
        for r in regressions {
            t.rows.append([.text(r.subject), .text(r.metric + (r.lowerIsBetter ? " (lower is better)" : "")), .number(r.baseline),
                           .number(r.current), .number(r.worsening), .text(r.baseline != 0 ? NumberFormat.percent(r.worsening / abs(r.baseline), signed: false) : "n/a"),
                           .text(r.tolerance.description)])
        }
        return t
    }
}

/// `reclab check`: compares a run with its baseline, direction-aware.
///
/// A metric regresses when it is worse than the baseline by more than its tolerance (worse = lower, or higher
/// for lower-is-better metrics). Tolerance per metric, first found: `--metric-tolerance` for the full metric
/// name (`ndcg@10`), then for its base name (`ndcg`); the baseline file's own `metric_tolerances` likewise;
/// `--tolerance`; the baseline's `tolerance`; the default of 2% relative.
public enum RegressionGate {
    public static func check(_ document: ResultDocument, against baseline: Baseline, baselinePath: String,
                             tolerance: Tolerance?, metricTolerances: [String: Tolerance]) throws -> GateReport {
        guard document.kind == baseline.kind else {
            throw RecLabError.usage("the run is \(document.kindPhrase) but baseline \(baselinePath) tracks \(baseline.kind == "ab" ? "an A/B run (ab.json)" : "an offline run (metrics.json)"); check metrics.json against an offline baseline and ab.json against an A/B baseline")
        }
        var warnings: [String] = []
        let p = document.provenance
        if p.dataset.contentHash != baseline.datasetHash {
            warnings.append("dataset differs from the baseline's: content hash \(p.dataset.contentHash.prefix(12)) (\(p.dataset.name)) vs \(baseline.datasetHash.prefix(12)) (\(baseline.datasetName)) in \(baselinePath); the comparison mixes data and code changes")
        }
        if p.configHash != baseline.configHash {
            warnings.append("experiment config differs from the baseline's (config hash \(p.configHash.prefix(12)) vs \(baseline.configHash.prefix(12)))")
        }
        // An override that names no tracked metric is a typo: refuse it rather than gate with the default.
        let tracked = Set(baseline.metrics.flatMap { [$0.metric, MetricDirection.baseName($0.metric)] })
        if let unknown = metricTolerances.keys.sorted().first(where: { !tracked.contains($0) }) {
            throw RecLabError.usage("--metric-tolerance names '\(unknown)', which baseline \(baselinePath) does not track; tracked metrics: \(tracked.sorted().joined(separator: ", "))")
        }
        let baseTolerance = try baseline.tolerance.map { try Tolerance(parsing: $0) }
        let baseMetricTolerances = try (baseline.metricTolerances ?? [:]).mapValues { try Tolerance(parsing: $0) }
        func toleranceFor(_ metric: String) -> Tolerance {
            let base = MetricDirection.baseName(metric)
            return metricTolerances[metric] ?? metricTolerances[base] ?? baseMetricTolerances[metric] ?? baseMetricTolerances[base]
                ?? tolerance ?? baseTolerance ?? .standard
        }
        var current: [String: TrackedMetric] = [:]
        for m in document.trackedMetrics { current[m.subject + "\u{1}" + m.metric] = m }
        var rows: [GateReport.Row] = []
        var missing: [String] = []
        for entry in baseline.metrics {
            guard let m = current.removeValue(forKey: entry.subject + "\u{1}" + entry.metric) else {
                missing.append("\(entry.metric) of \(entry.subject)")
                continue
            }
            let tol = toleranceFor(entry.metric)
            let worsening = entry.lowerIsBetter ? m.value - entry.value : entry.value - m.value
            let status: GateReport.Row.Status
            if entry.value.isNaN && m.value.isNaN {
                status = .ok
            } else if !worsening.isFinite {
                status = .regressed
            } else if worsening > tol.allowance(for: entry.value) + 1e-12 * max(1, abs(entry.value)) {
                status = .regressed
            } else if -worsening > tol.allowance(for: entry.value) + 1e-12 * max(1, abs(entry.value)) {
                status = .improved
            } else {
                status = .ok
            }
            rows.append(GateReport.Row(subject: entry.subject, metric: entry.metric, baseline: entry.value, current: m.value,
                                       lowerIsBetter: entry.lowerIsBetter, tolerance: tol, status: status, worsening: worsening))
        }
        if !missing.isEmpty {
            throw RecLabError.data("\(missing.count) metric\(missing.count == 1 ? "" : "s") tracked by baseline \(baselinePath) missing from the run: " +
                                   missing.prefix(10).joined(separator: ", ") + (missing.count > 10 ? ", ..." : ""))
        }
        let untracked = document.trackedMetrics.filter { current[$0.subject + "\u{1}" + $0.metric] != nil }.map { "\($0.metric) of \($0.subject)" }
        return GateReport(rows: rows, warnings: warnings, untracked: untracked)
    }
}
