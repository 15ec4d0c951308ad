// RecLabReport: reports and charts, sprint reviews and the regression gate.
import Foundation
import RecLabCore
import RecLabResults

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
        case .interleaving(let d): InterleavingReport.build(d, into: &content)
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

    /// The file in a report folder that lists what the last `reclab report` wrote there, so a rewrite
    /// replaces and removes only its own files and never a file someone else put in the folder.
    public static let manifestName = ".reclab-report.json"
    static let manifestFormat = "reclab-report-files/1"

    struct Manifest: Codable, Equatable {
        var format = Report.manifestFormat
        /// Paths relative to the report folder: report.md, tables/NAME, charts/NAME.
        var files: [String] = []
        /// Subfolders (tables, charts) the report created, removed again when they end up empty.
        var folders: [String] = []
    }

    /// Writes report.md, tables/ and charts/ into `directory`, which may hold other files (the report of a
    /// run usually goes into the run's own folder). Only files listed in the folder's manifest
    /// (`.reclab-report.json`, written by an earlier report) are replaced or removed; when a file this report
    /// would write exists and is not in the manifest, nothing is written and the error names it. Everything
    /// is produced in a staging folder first, so a failure (gnuplot missing or failing) leaves no partial
    /// output. Returns the report.md path.
    @discardableResult
    public static func write(_ content: ReportContent, to directory: URL, gnuplot: Gnuplot?) throws -> URL {
        let fm = FileManager.default
        if content.drawsCharts && gnuplot == nil && !content.charts.isEmpty {
            throw RecLabError.tool("charts requested but no gnuplot given. \(Gnuplot.installHint)")
        }
        let folder = OutputFolder(url: directory)
        var files = ["report.md"]
        for t in content.tables { files += ["md", "csv", "tex"].map { "tables/\(t.slug).\($0)" } }
        if content.drawsCharts && gnuplot != nil {
            for c in content.charts { files += ["dat", "gp", "png", "svg"].map { "charts/\(c.name).\($0)" } }
        }
        // Check everything before any work: the manifest, and that no file to write belongs to someone else.
        let previous = try readManifest(folder)
        let owned = Set(previous.files)
        for sub in ["tables", "charts"] where files.contains(where: { $0.hasPrefix(sub + "/") }) {
            let url = try folder.child(sub)
            if let type = fileType(url), type != .typeDirectory {
                throw RecLabError.io("\(url.path) exists and is not a folder; the report writes its \(sub) there. Move it away or choose another --out",
                                     file: url.path)
            }
        }
        for f in files {
            let url = try folder.child(f)
            guard let type = fileType(url) else { continue }
            if type == .typeDirectory || !owned.contains(f) {
                throw RecLabError.io("\(url.path) exists and was not written by reclab report (it is not listed in \(manifestName)); "
                                     + "refusing to replace it. Move it away or choose another --out", file: url.path)
            }
        }

        // The missing folders up to `directory`, so a failure can remove exactly what it created.
        var missing: [URL] = []
        var up = folder.url
        while fileType(up) == nil && up.path != "/" { missing.insert(up, at: 0); up = up.deletingLastPathComponent() }
        var succeeded = false
        defer { if !succeeded { for dir in missing.reversed() { rmdir(dir.path) } } }
        do {
            try fm.createDirectory(at: folder.url, withIntermediateDirectories: true)
        } catch {
            throw RecLabError.io("cannot create the report folder: \(error.localizedDescription)", file: folder.path)
        }
        let staging = try folder.child(".reclab-report-staging-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: staging) }
        do {
            try fm.createDirectory(at: staging.appendingPathComponent("tables"), withIntermediateDirectories: true)
            try fm.createDirectory(at: staging.appendingPathComponent("charts"), withIntermediateDirectories: true)
        } catch {
            throw RecLabError.io("cannot write the report: \(error.localizedDescription)", file: staging.path)
        }
        for t in content.tables {
            try write(t.markdown, staging.appendingPathComponent("tables/\(t.slug).md"))
            try write(t.csv, staging.appendingPathComponent("tables/\(t.slug).csv"))
            try write(t.latex, staging.appendingPathComponent("tables/\(t.slug).tex"))
        }
        try write(content.markdown, staging.appendingPathComponent("report.md"))
        if content.drawsCharts, let gnuplot {
            let chartDir = staging.appendingPathComponent("charts")
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

        // Move in. The manifest first lists old and new files, so an interruption leaves every file we
        // wrote listed (and replaceable by the next run).
        var folders = Set(previous.folders)
        let manifestURL = try folder.child(manifestName)
        try writeManifest(Manifest(files: Array(owned.union(files)).sorted(), folders: folders.sorted()), to: manifestURL)
        for f in files {
            let target = try folder.child(f)
            let sub = target.deletingLastPathComponent()
            if sub.path != folder.url.path && fileType(sub) == nil {
                do { try fm.createDirectory(at: sub, withIntermediateDirectories: false) } catch {
                    throw RecLabError.io("cannot create folder: \(error.localizedDescription)", file: sub.path)
                }
                folders.insert(sub.lastPathComponent)
            }
            // rename(2) replaces our earlier file of the same name in one step.
            guard rename(staging.appendingPathComponent(f).path, target.path) == 0 else {
                throw RecLabError.io("cannot move the report file into place: \(String(cString: strerror(errno)))", file: target.path)
            }
        }
        // Files of the earlier report that this one does not write (charts before --no-charts, a table
        // that is gone) are ours: remove them, and our folders left empty.
        for f in owned.subtracting(files) {
            let target = try folder.child(f)
            if let type = fileType(target), type != .typeDirectory { try? fm.removeItem(at: target) }
        }
        for sub in folders.sorted() {
            let url = try folder.child(sub)
            if ((try? fm.contentsOfDirectory(atPath: url.path)) ?? ["?"]).isEmpty { rmdir(url.path) }
            if fileType(url) == nil { folders.remove(sub) }
        }
        try writeManifest(Manifest(files: files.sorted(), folders: folders.sorted()), to: manifestURL)
        succeeded = true
        return try folder.child("report.md")
    }

    /// The manifest of `folder`, empty when there is none. A manifest is untrusted like any file: it must
    /// be small, in this format, and list only plain report file names (so it cannot steer a removal).
    static func readManifest(_ folder: OutputFolder) throws -> Manifest {
        let url = try folder.child(manifestName)
        guard let type = fileType(url) else { return Manifest() }
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        guard type == .typeRegular, size <= 4 << 20, let data = FileManager.default.contents(atPath: url.path) else {
            throw RecLabError.io("is not a report manifest written by RecLab (not a small regular file); remove it or choose another --out", file: url.path)
        }
        let manifest: Manifest
        do { manifest = try JSONDecoder().decode(Manifest.self, from: data) } catch {
            throw RecLabError.io("is not a report manifest written by RecLab (unreadable JSON); remove it or choose another --out", file: url.path)
        }
        guard manifest.format == manifestFormat else {
            throw RecLabError.io("unknown report manifest format '\(SafeName.printable(manifest.format))' (expected \(manifestFormat))", file: url.path)
        }
        for f in manifest.files where !isReportFile(f) {
            throw RecLabError.io("lists \(SafeName.printable(f)), which is not a file reclab report writes; remove the manifest or choose another --out", file: url.path)
        }
        for f in manifest.folders where f != "tables" && f != "charts" {
            throw RecLabError.io("lists the folder \(SafeName.printable(f)), which reclab report does not create", file: url.path)
        }
        return manifest
    }

    /// report.md, or tables/NAME / charts/NAME with a plain file name.
    static func isReportFile(_ path: String) -> Bool {
        if path == "report.md" { return true }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "tables" || parts[0] == "charts" else { return false }
        let name = parts[1]
        return !name.isEmpty && name.count <= 255 && !name.hasPrefix(".")
            && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "._+@-".unicodeScalars.contains($0) }
    }

    static func writeManifest(_ manifest: Manifest, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do { try encoder.encode(manifest).write(to: url, options: .atomic) } catch {
            throw RecLabError.io("cannot write the report manifest: \(error.localizedDescription)", file: url.path)
        }
    }

    /// The type of the item at `url` without following a final symbolic link; nil when there is none.
    static func fileType(_ url: URL) -> FileAttributeType? {
        (try? FileManager.default.attributesOfItem(atPath: url.path))?[.type] as? FileAttributeType
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
