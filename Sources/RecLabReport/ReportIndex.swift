import Foundation
import RecLabCore

/// The sprint-review index: `reclab report --index DIR` finds every report.html RecLab wrote under DIR and
/// writes DIR/index.html linking them with date, kind and headline, newest first.
///
/// Reports are recognised by their `<meta name="generator" content="RecLab report">` and described by the
/// `reclab:*` meta tags `HTMLReport` writes. Those files are untrusted like any input: only the first
/// 64 KiB are read, values are unescaped and escaped again, and the walk neither follows symbolic links nor
/// enters hidden folders, and stops at `maxDepth` levels and `maxReports` reports.
public enum ReportIndex {
    public static let maxDepth = 8
    public static let maxReports = 5000
    static let headBytes = 64 << 10

    public struct Entry: Equatable, Sendable {
        /// Path of the report.html relative to the index folder, as components.
        public var path: [String]
        public var runId: String
        public var kind: String
        public var name: String
        /// ISO 8601: the run's creation time, or the report file's modification time when the run has none.
        public var date: String
        public var dateIsFileTime: Bool
        public var headline: String
        public var previousRunId: String?
    }

    /// The reports under `root`, newest first (ties by path).
    public static func scan(_ root: URL) throws -> [Entry] {
        let fm = FileManager.default
        var entries: [Entry] = []
        func walk(_ dir: URL, _ components: [String], depth: Int) {
            guard depth <= maxDepth, entries.count < maxReports,
                  let names = try? fm.contentsOfDirectory(atPath: dir.path) else { return }
            for name in names.sorted() where !name.hasPrefix(".") {
                let url = dir.appendingPathComponent(name)
                guard let type = Report.fileType(url) else { continue }
                if type == .typeDirectory {
                    walk(url, components + [name], depth: depth + 1)
                } else if type == .typeRegular && name == "report.html", let entry = read(url, path: components + [name]) {
                    entries.append(entry)
                }
            }
        }
        walk(root, [], depth: 0)
        return entries.sorted { ($0.date, $1.path.joined(separator: "/")) > ($1.date, $0.path.joined(separator: "/")) }
    }

    /// The entry of one report.html, nil when it is not a report RecLab wrote.
    static func read(_ url: URL, path: [String]) -> Entry? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        let head = String(decoding: (try? handle.read(upToCount: headBytes)) ?? Data(), as: UTF8.self)
        let meta = metaTags(head)
        guard meta["generator"] == HTMLReport.generator, let runId = meta["reclab:run-id"], let kind = meta["reclab:kind"] else { return nil }
        var date = meta["reclab:created"] ?? ""
        let fileTime = date.isEmpty
        if fileTime {
            let modified = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date ?? Date(timeIntervalSince1970: 0)
            date = ISO8601DateFormatter().string(from: modified)
        }
        return Entry(path: path, runId: runId, kind: kind, name: meta["reclab:name"] ?? "", date: date, dateIsFileTime: fileTime,
                     headline: meta["reclab:headline"] ?? "", previousRunId: meta["reclab:previous"])
    }

    /// `<meta name="N" content="V">` pairs of a page head, values unescaped.
    static func metaTags(_ head: String) -> [String: String] {
        var out: [String: String] = [:]
        var rest = Substring(head)
        let open = "<meta name=\"", middle = "\" content=\""
        while let start = rest.range(of: open) {
            let after = rest[start.upperBound...]
            guard let mid = after.range(of: middle), let end = after[mid.upperBound...].range(of: "\">") else { break }
            let name = String(after[..<mid.lowerBound])
            if !name.contains("\""), !name.contains(">"), out[name] == nil {
                out[name] = HTML.unescape(String(after[mid.upperBound..<end.lowerBound]))
            }
            rest = after[end.upperBound...]
        }
        return out
    }

    public static func render(_ entries: [Entry], title: String) -> String {
        var body = "<h1>\(HTML.escape(title))</h1>\n"
        body += "<p>\(entries.count) report\(entries.count == 1 ? "" : "s"), newest first. Dates are the runs' creation times; " +
            "where a run records none (A/B simulations keep their documents byte-identical), the report file's time, marked *.</p>\n"
        body += "<div class=\"scroll\"><table class=\"sortable\" data-table=\"index\">\n<thead><tr>"
        for header in ["date", "kind", "run", "headline"] {
            body += "<th scope=\"col\" class=\"txt\" aria-sort=\"none\"><button type=\"button\">\(header)</button></th>"
        }
        body += "</tr></thead>\n<tbody>\n"
        for e in entries {
            let href = HTML.encodePath(e.path)
            let kind: String
            switch e.kind {
            case "offline": kind = "offline evaluation"
            case "ab": kind = "A/B simulation"
            case "ope": kind = "off-policy evaluation"
            default: kind = e.kind
            }
            let review = e.previousRunId.map { " (sprint review against \(HTML.escape($0)))" } ?? ""
            body += "<tr><td class=\"txt\">\(HTML.escape(e.date))\(e.dateIsFileTime ? " *" : "")</td><td class=\"txt\">\(HTML.escape(kind))\(review)</td>" +
                "<td class=\"txt\"><a href=\"\(HTML.escape(href))\">\(HTML.escape(e.name.isEmpty ? e.runId : e.name))</a><br><code>\(HTML.escape(e.runId))</code></td>" +
                "<td class=\"txt\">\(HTML.escape(e.headline))</td></tr>\n"
        }
        body += "</tbody></table></div>\n"
        return HTMLReport.page(title: title, generator: HTMLReport.indexGenerator, meta: "", body: body)
    }

    /// Writes DIR/index.html (atomically). An index.html that RecLab did not write is never replaced.
    @discardableResult
    public static func write(root: URL) throws -> (url: URL, reports: Int) {
        guard Report.fileType(root) == .typeDirectory else {
            throw RecLabError.io("is not a folder; --index needs the folder that holds the reports", file: root.path)
        }
        let target = root.appendingPathComponent("index.html")
        if let type = Report.fileType(target) {
            let head = type == .typeRegular ? (try? FileHandle(forReadingFrom: target)).flatMap { h in
                defer { try? h.close() }
                return try? h.read(upToCount: 4096)
            } : nil
            guard let head, metaTags(String(decoding: head, as: UTF8.self))["generator"] == HTMLReport.indexGenerator else {
                throw RecLabError.io("exists and was not written by reclab report --index; refusing to replace it. Move it away", file: target.path)
            }
        }
        let entries = try scan(root)
        let html = render(entries, title: "RecLab reports: \(root.standardizedFileURL.lastPathComponent)")
        let temp = root.appendingPathComponent(".index.html.tmp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: temp) }
        try Report.write(html, temp)
        guard rename(temp.path, target.path) == 0 else {
            throw RecLabError.io("cannot move the index into place: \(String(cString: strerror(errno)))", file: target.path)
        }
        return (target, entries.count)
    }
}
