// RecLabReport: reports and charts, sprint reviews and the regression gate.
import Foundation
import RecLabCore
import RecLabStore

/// A report before it is written: Markdown text, its tables and its charts.
public struct ReportContent: Sendable {
    public var markdown: String = ""
    public var tables: [ReportTable] = []
    public var charts: [Chart] = []
    /// False for `--no-charts`: charts are neither drawn nor embedded.
    public var drawsCharts: Bool

    public init(drawsCharts: Bool) { self.drawsCharts = drawsCharts }

    mutating func line(_ s: String = "") { markdown += s + "\n" }

    /// `name`, or `name-2`, `name-3`, ... when taken (two metrics whose names slug alike).
    private func unique(_ name: String, taken: Set<String>) -> String {
        guard taken.contains(name) else { return name }
        var i = 2
        while taken.contains("\(name)-\(i)") { i += 1 }
        return "\(name)-\(i)"
    }

    mutating func heading(_ level: Int, _ s: String) {
        if !markdown.isEmpty && !markdown.hasSuffix("\n\n") { markdown += "\n" }
        markdown += String(repeating: "#", count: level) + " " + s + "\n\n"
    }

    /// Adds a table to tables/ and, when `inline`, prints it in the report with links to its files.
    mutating func table(_ table: ReportTable, inline: Bool = true) {
        var t = table
        t.slug = unique(t.slug, taken: Set(tables.map(\.slug)))
        tables.append(t)
        let links = "[CSV](tables/\(t.slug).csv) · [LaTeX](tables/\(t.slug).tex) · [Markdown](tables/\(t.slug).md)"
        if inline {
            line("**\(t.title)** (\(links))")
            line()
            markdown += t.markdown
            line()
        } else {
            line("- \(t.title): \(links)")
        }
    }

    /// Adds a chart and embeds it (PNG, with a link to the SVG and to the script that redraws it).
    mutating func chart(_ chart: Chart) {
        guard drawsCharts else { return }
        guard chart.hasFiniteData else {
            line("> Chart \"\(chart.title)\" left out: every value in it is undefined (nan).")
            line()
            return
        }
        var c = chart
        c.name = unique(c.name, taken: Set(charts.map(\.name)))
        charts.append(c)
        line("![\(c.title)](charts/\(c.name).png)")
        line()
        line("<sub>[SVG](charts/\(c.name).svg) · [gnuplot script](charts/\(c.name).gp) · [data](charts/\(c.name).dat)</sub>")
        line()
    }
}

public enum Report {
    /// Builds the report of one run, with a "Since last sprint" section when `previous` is given.
    public static func build(_ document: ResultDocument, previous: ResultDocument? = nil, charts: Bool) throws -> ReportContent {
        var content = ReportContent(drawsCharts: charts)
        if let previous, previous.kind != document.kind {
            throw RecLabError.usage("--previous is \(previous.kindPhrase) but the report is of \(document.kindPhrase); compare runs of the same kind")
        }
        switch document {
        case .offline(let d): OfflineReport.build(d, into: &content)
        case .ab(let d): ABReport.build(d, into: &content)
        case .ope(let d): OPEReport.build(d, into: &content)
        }
        if let previous {
            SprintReview.build(current: document, previous: previous, into: &content)
        }
        if !charts {
            content.heading(2, "Charts")
            content.line("Charts were not drawn (`--no-charts`). Rerun without it, with gnuplot installed, to get them.")
        }
        return content
    }

    /// Writes report.md, tables/ and charts/ into `directory`. Everything is produced in a staging folder
    /// beside it first, so a failure (gnuplot missing or failing) leaves no partial output; then the three
    /// entries are swapped in (other files in `directory` are left alone). Returns the report.md path.
    @discardableResult
    public static func write(_ content: ReportContent, to directory: URL, gnuplot: Gnuplot?) throws -> URL {
        let fm = FileManager.default
        if content.drawsCharts && gnuplot == nil && !content.charts.isEmpty {
            throw RecLabError.tool("charts requested but no gnuplot given. \(Gnuplot.installHint)")
        }
        let parent = directory.deletingLastPathComponent()
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw RecLabError.io("cannot create folder: \(error.localizedDescription)", file: parent.path)
        }
        let staging = parent.appendingPathComponent(".\(directory.lastPathComponent).reclab-staging-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: staging) }
        do {
            try fm.createDirectory(at: staging.appendingPathComponent("tables"), withIntermediateDirectories: true)
            for t in content.tables {
                try write(t.markdown, staging.appendingPathComponent("tables/\(t.slug).md"))
                try write(t.csv, staging.appendingPathComponent("tables/\(t.slug).csv"))
                try write(t.latex, staging.appendingPathComponent("tables/\(t.slug).tex"))
            }
            try write(content.markdown, staging.appendingPathComponent("report.md"))
        } catch let e as RecLabError {
            throw e
        } catch {
            throw RecLabError.io("cannot write report: \(error.localizedDescription)", file: staging.path)
        }
        if content.drawsCharts, let gnuplot {
            let chartDir = staging.appendingPathComponent("charts")
            try? fm.createDirectory(at: chartDir, withIntermediateDirectories: true)
            for chart in content.charts {
                try write(chart.data, chartDir.appendingPathComponent("\(chart.name).dat"))
                let script = chartDir.appendingPathComponent("\(chart.name).gp")
                try write(chart.script, script)
                try gnuplot.run(script: script)
                for ext in ["png", "svg"] {
                    let out = chartDir.appendingPathComponent("\(chart.name).\(ext)")
                    let size = (try? fm.attributesOfItem(atPath: out.path)[.size] as? Int) ?? 0
                    if size == 0 {
                        throw RecLabError.tool("gnuplot (\(gnuplot.executable)) exited normally but wrote no \(chart.name).\(ext) for script \(script.path)")
                    }
                }
            }
        }
        // Swap in.
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
            for entry in ["report.md", "tables", "charts"] {
                let target = directory.appendingPathComponent(entry)
                if fm.fileExists(atPath: target.path) { try fm.removeItem(at: target) }
                let source = staging.appendingPathComponent(entry)
                if fm.fileExists(atPath: source.path) { try fm.moveItem(at: source, to: target) }
            }
        } catch {
            throw RecLabError.io("cannot move the report into place: \(error.localizedDescription)", file: directory.path)
        }
        return directory.appendingPathComponent("report.md")
    }

    static func write(_ text: String, _ url: URL) throws {
        do {
            try Data(text.utf8).write(to: url)
        } catch {
            throw RecLabError.io("cannot write: \(error.localizedDescription)", file: url.path)
        }
    }
}

// MARK: - Sections shared by all kinds

enum CommonSections {
    static func provenance(_ p: Provenance, runId: String, kind: String, into c: inout ReportContent) {
        c.heading(2, "What was run")
        c.line("| | |")
        c.line("| --- | --- |")
        c.line("| run id | `\(runId)` (\(kind)) |")
        if let created = p.createdAt { c.line("| created | \(created) |") }
        c.line("| config | \(p.configPath.map { "`\($0)`" } ?? "(inline)") |")
        c.line("| config hash | `\(p.configHash)` |")
        c.line("| seed | \(p.seed) |")
        c.line("| RecLab | \(p.reclabVersion)\(p.gitCommit.map { ", commit `\(String($0.prefix(12)))`" } ?? " (commit unknown)") |")
        c.line()
        if !p.configText.isEmpty {
            c.line("<details><summary>Config text</summary>")
            c.line()
            c.line("```yaml")
            c.line(p.configText.trimmingCharacters(in: .newlines))
            c.line("```")
            c.line()
            c.line("</details>")
            c.line()
        }
    }

    static func datasetCard(_ d: DatasetCard, into c: inout ReportContent) {
        c.heading(2, "Dataset")
        let density = d.users > 0 && d.movies > 0 ? Double(d.interactions) / (Double(d.users) * Double(d.movies)) : .nan
        c.line("| | |")
        c.line("| --- | --- |")
        c.line("| name | \(d.name)\(d.synthetic ? " (synthetic)" : "") |")
        c.line("| source | \(d.source) |")
        c.line("| users | \(d.users) |")
        c.line("| movies | \(d.movies) |")
        c.line("| interactions | \(d.interactions) |")
        c.line("| ratings | \(d.ratings) |")
        c.line("| density | \(density.isFinite ? NumberFormat.percent(density, signed: false) : "n/a") |")
        c.line("| content hash | `\(d.contentHash)` |")
        c.line()
        if !d.interactionsPerMovie.isEmpty {
            c.chart(ChartBuilder.longTail(name: "dataset-long-tail", title: "\(d.name): interactions per movie (long tail)",
                                          counts: d.interactionsPerMovie))
        }
        let bins = ratingBins(d.ratingHistogram)
        if !bins.isEmpty {
            c.chart(ChartBuilder.histogram(name: "dataset-ratings", title: "\(d.name): rating distribution",
                                           xlabel: "rating (stars)", ylabel: "ratings (count)", bins: bins))
        }
    }

    static func ratingBins(_ histogram: [String: Int]) -> [(label: String, count: Int)] {
        histogram.map { (label: $0.key, count: $0.value) }
            .sorted { (Double($0.label) ?? .infinity, $0.label) < (Double($1.label) ?? .infinity, $1.label) }
    }

    static func parameters(_ p: [String: String]) -> String {
        p.isEmpty ? "(defaults)" : p.keys.sorted().map { "\($0)=\(p[$0]!)" }.joined(separator: ", ")
    }
}

/// Axis labels with units, by metric base name.
enum MetricUnits {
    /// A readable name for chart titles (`CTR`, `Watch minutes per user`); other names unchanged.
    static func title(_ metric: String) -> String {
        switch metric.lowercased() {
        case "ctr": return "CTR"
        case "plays_per_visit": return "Plays per visit"
        case "plays_per_user": return "Plays per user"
        case "visits_per_user": return "Visits per user"
        case "watch_minutes_per_user": return "Watch minutes per user"
        case "completion_rate": return "Completion rate"
        case "novelty": return "Novelty"
        case "coverage": return "Coverage"
        default: return metric
        }
    }

    /// `metric` is a full name (`ndcg@10`) or a base name; the unit comes from the base.
    static func label(_ metric: String) -> String {
        switch MetricDirection.baseName(metric).lowercased() {
        case "rmse", "mae": return "\(metric) (rating points, lower is better)"
        case "novelty": return "\(metric) (mean self-information, bits)"
        case "popularity": return "\(metric) (interactions per recommended movie)"
        case "gini": return "Gini of exposure (0 = equal, 1 = concentrated)"
        case "coverage": return "\(metric) (share of the catalogue, 0-1)"
        case "ctr": return "CTR (plays per impression)"
        case "plays_per_visit": return "plays per visit"
        case "watch_minutes_per_user": return "watch time per user (minutes)"
        case "completion_rate": return "completion rate (share of plays finished)"
        case "plays_per_user": return "plays per user"
        case "visits_per_user": return "visits per user"
        case "novelty_per_user", "novelty_ab": return "novelty (bits)"
        default: return "\(metric) (0-1, higher is better)"
        }
    }
}
