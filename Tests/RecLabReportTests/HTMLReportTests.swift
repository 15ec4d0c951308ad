import XCTest
import Foundation
@testable import RecLabReport
import RecLabResults
import RecLabTestSupport

/// The start tags of an HTML page as RecLab writes it (and as Chromium serialises a DOM): every attribute
/// value double-quoted with `"` escaped; `<script>`/`<style>` contents skipped. Enough to check what
/// elements and attributes a page has without trusting string searches.
struct HTMLTags {
    struct Tag { var name: String; var attributes: [String: String] }
    var tags: [Tag] = []
    /// Text outside tags (entities left as written).
    var text = ""

    init(_ html: String) {
        let s = Array(html.unicodeScalars)
        var i = 0
        func at(_ p: String, _ j: Int) -> Bool {
            let ps = Array(p.unicodeScalars)
            return j + ps.count <= s.count && Array(s[j..<(j + ps.count)]) == ps
        }
        while i < s.count {
            guard s[i] == "<" else { text.unicodeScalars.append(s[i]); i += 1; continue }
            if at("<!--", i) { while i < s.count && !at("-->", i) { i += 1 }; i += 3; continue }
            if at("</", i) || at("<!", i) { while i < s.count && s[i] != ">" { i += 1 }; i += 1; continue }
            i += 1
            var name = ""
            while i < s.count, s[i] != " ", s[i] != ">", s[i] != "/", s[i] != "\n" { name.unicodeScalars.append(s[i]); i += 1 }
            var attributes: [String: String] = [:]
            while i < s.count, s[i] != ">" {
                if s[i] == " " || s[i] == "\n" || s[i] == "/" { i += 1; continue }
                var attr = ""
                while i < s.count, s[i] != "=", s[i] != " ", s[i] != ">" { attr.unicodeScalars.append(s[i]); i += 1 }
                var value = ""
                if i < s.count, s[i] == "=" {
                    i += 1
                    if i < s.count, s[i] == "\"" {
                        i += 1
                        while i < s.count, s[i] != "\"" { value.unicodeScalars.append(s[i]); i += 1 }
                        i += 1
                    } else {
                        while i < s.count, s[i] != " ", s[i] != ">" { value.unicodeScalars.append(s[i]); i += 1 }
                    }
                }
                attributes[attr.lowercased()] = value
            }
            i += 1
            let lower = name.lowercased()
            tags.append(Tag(name: lower, attributes: attributes))
            if lower == "script" || lower == "style" {
                let close = "</\(lower)>"
                while i < s.count && !at(close, i) { i += 1 }
            }
        }
    }

    func all(_ name: String) -> [Tag] { tags.filter { $0.name == name } }

    /// The `data-sort` of column `column` in each body row of the table `data-table="slug"`, in DOM order.
    func column(table slug: String, _ column: Int) -> [String?] {
        guard let start = tags.firstIndex(where: { $0.name == "table" && $0.attributes["data-table"] == slug }) else { return [] }
        var out: [String?] = []
        var cell = -1
        var inBody = false
        for tag in tags[(start + 1)...] {
            if tag.name == "table" { break }
            if tag.name == "tbody" { inBody = true }
            if tag.name == "tr" { cell = -1 }
            if tag.name == "td" && inBody {
                cell += 1
                if cell == column { out.append(tag.attributes["data-sort"]) }
            }
        }
        return out
    }
}

final class HTMLReportTests: XCTestCase {
    static let hostile = "<script>alert('x')</script> \"q\" & [link](javascript:alert(1)) **b"

    /// The offline fixture with a strategy renamed to a hostile name (rows, exposure and comparisons alike).
    static func hostileOffline() -> OfflineResults {
        var d = Fixtures.offline()
        let old = "item-knn"
        d.name = "run <img src=x onerror=alert(1)> & co"
        for i in d.results.indices where d.results[i].strategy == old { d.results[i].strategy = hostile }
        for i in d.strategies.indices where d.strategies[i].name == old { d.strategies[i].name = hostile }
        for i in d.comparisons.indices where d.comparisons[i].b == old { d.comparisons[i].b = hostile }
        d.exposure[hostile] = d.exposure.removeValue(forKey: old)
        return d
    }

    /// Checks the structure every report.html must have; returns its parsed tags.
    @discardableResult
    static func assertWellFormedReport(_ html: String, _ content: ReportContent, file: StaticString = #filePath, line: UInt = #line) -> HTMLTags {
        let tags = HTMLTags(html)
        // Exactly the two scripts RecLab writes, inline, and a policy that allows only them and no network.
        let scripts = tags.all("script")
        XCTAssertEqual(scripts.count, 2, file: file, line: line)
        XCTAssertTrue(scripts.allSatisfy { $0.attributes["src"] == nil }, file: file, line: line)
        let csp = tags.all("meta").first { $0.attributes["http-equiv"] == "Content-Security-Policy" }?.attributes["content"] ?? ""
        XCTAssertTrue(csp.contains("default-src 'none'"), csp, file: file, line: line)
        XCTAssertTrue(csp.contains(HTMLReport.cspHash(HTMLReport.script)) && csp.contains(HTMLReport.cspHash(HTMLReport.errorHook)), file: file, line: line)
        for tag in tags.tags {
            for (name, value) in tag.attributes {
                XCTAssertFalse(name.hasPrefix("on"), "<\(tag.name) \(name)=…> event handler attribute", file: file, line: line)
                if name == "href" {
                    XCTAssertFalse(value.contains(":"), "<\(tag.name) href=\"\(value)\"> is not a relative link", file: file, line: line)
                }
                XCTAssertFalse(name == "src" || name == "srcset" || name == "xlink:href", "<\(tag.name) \(name)>: nothing is loaded", file: file, line: line)
            }
        }
        // Every inline table, sortable, with its rows; every chart as an inline SVG with its data linked.
        let inlineTables = content.blocks.compactMap { b -> ReportTable? in
            if case .table(let i, true) = b { return content.tables[i] } else { return nil }
        }
        let tables = tags.all("table").filter { $0.attributes["class"] == "sortable" }
        XCTAssertEqual(tables.map { $0.attributes["data-table"] ?? "" }, inlineTables.map(\.slug), file: file, line: line)
        let figures = tags.all("figure")
        XCTAssertEqual(figures.map { $0.attributes["data-chart"] ?? "" }, content.charts.map(\.name), file: file, line: line)
        XCTAssertEqual(tags.all("svg").count, content.charts.count, "every chart inline", file: file, line: line)
        let hrefs = Set(tags.all("a").compactMap { $0.attributes["href"] })
        for chart in content.charts { XCTAssertTrue(hrefs.contains("charts/\(chart.name).dat"), chart.name, file: file, line: line) }
        for table in content.tables { XCTAssertTrue(hrefs.contains("tables/\(table.slug).csv"), table.slug, file: file, line: line) }
        // The table of contents links every section heading.
        let headingIds = tags.tags.filter { $0.name == "h2" || $0.name == "h3" }.compactMap { $0.attributes["id"] }
        for id in headingIds where id != "" { XCTAssertTrue(hrefs.contains("#" + id), "contents link to \(id)", file: file, line: line) }
        XCTAssertEqual(Set(headingIds).count, headingIds.count, "unique section ids", file: file, line: line)
        return tags
    }

    func testHTMLReportHasTheMarkdownContentEscapedWithInlineChartsAndSortableTables() throws {
        let dir = try TestSupport.temporaryDirectory(self).appendingPathComponent("report")
        let previous = Fixtures.offline()
        let current = Self.hostileOffline()
        let content = try Report.build(.offline(current), previous: .offline(previous), charts: true)
        let markdownBefore = content.markdown
        try Report.write(content, to: dir, gnuplot: try Gnuplot.locate())
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8), markdownBefore)
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        let tags = Self.assertWellFormedReport(html, content)
        XCTAssertTrue(content.tables.contains { $0.slug == "since-last-sprint" })
        // The hostile names appear only as escaped text.
        XCTAssertFalse(html.contains("<script>alert"))
        XCTAssertFalse(html.contains("<img src=x"))
        XCTAssertTrue(html.contains(HTML.escape(Self.hostile)), "the hostile strategy name shown as text")
        XCTAssertTrue(tags.text.contains("run &lt;img src=x onerror=alert(1)&gt; &amp; co"))
        // Every heading of report.md is a heading of the page, in order.
        let mdHeadings = markdownBefore.split(separator: "\n").filter { $0.hasPrefix("#") }.map { $0.drop { $0 == "#" }.dropFirst() }
        let htmlHeadings = content.blocks.compactMap { b -> String? in if case .heading(_, let t) = b { return t } else { return nil } }
        XCTAssertEqual(mdHeadings.map(String.init), htmlHeadings)
        for heading in htmlHeadings { XCTAssertTrue(html.contains(">\(HTML.escape(heading))</h"), heading) }
        // Table cells: every display value of the headline table, with numeric sort keys.
        let headline = try XCTUnwrap(content.tables.first { $0.slug == "headline" })
        for row in headline.rows { for cell in row where cell != .empty { XCTAssertTrue(html.contains(">\(HTML.escape(cell.display))<"), cell.display) } }
        if case .interval(let mean, _, _) = headline.rows[0][2] { XCTAssertTrue(html.contains("data-sort=\"\(NumberFormat.exact(mean))\"")) }
        // The provenance key-value table and the config text block.
        XCTAssertTrue(html.contains("<td>seed</td><td>42</td>"))
        XCTAssertTrue(html.contains("<details><summary>Config text</summary>"))
        // The metadata the index reads.
        let meta = ReportIndex.metaTags(html)
        XCTAssertEqual(meta["reclab:run-id"], current.runId)
        XCTAssertEqual(meta["reclab:name"], current.name)
        XCTAssertEqual(meta["reclab:previous"], previous.runId)
        XCTAssertEqual(meta["generator"], HTMLReport.generator)
        // A rewrite replaces report.html (it is listed in the manifest).
        try Report.write(try Report.build(.offline(previous), charts: false), to: dir, gnuplot: nil)
        let rewritten = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertFalse(rewritten.contains("<svg"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("charts").path))
        if let keep = ProcessInfo.processInfo.environment["RECLAB_KEEP_REPORT"] {
            try? FileManager.default.removeItem(atPath: keep + "/html")
            try FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            try Report.write(content, to: URL(fileURLWithPath: keep + "/html"), gnuplot: try Gnuplot.locate())
        }
    }

    func testABAndOPEReportsRenderToo() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        var ab = Fixtures.ab(srmOK: false)
        ab.arms[1].name = "<b>arm</b>"
        let content = try Report.build(.ab(ab), charts: true)
        try Report.write(content, to: dir.appendingPathComponent("ab"), gnuplot: try Gnuplot.locate())
        let html = try String(contentsOf: dir.appendingPathComponent("ab/report.html"), encoding: .utf8)
        Self.assertWellFormedReport(html, content)
        XCTAssertTrue(html.contains("<blockquote><p><strong>⚠️ SAMPLE RATIO MISMATCH: SRM CHECK FAILED.</strong>"), "the SRM banner is a visible note")
        XCTAssertTrue(html.contains("&lt;b&gt;arm&lt;/b&gt;"))
        XCTAssertFalse(html.contains("<b>arm"))
    }

    func testOPEReportRendersFromTheGoldenDocument() throws {
        let document = try ResultDocument.load(path: TestSupport.packageRoot.appendingPathComponent("Tests/Golden/ope.json").path)
        let content = try Report.build(document, charts: false)
        let html = HTMLReport.render(content, svgs: [:])
        Self.assertWellFormedReport(html, content)
        XCTAssertTrue(html.contains("<h1>RecLab off-policy evaluation report: "))
        XCTAssertEqual(ReportIndex.metaTags(html)["reclab:kind"], "ope")
    }

    func testSVGSanitizerKeepsDrawingsAndRefusesActiveContent() {
        let good = "<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x.dtd\">\n<svg width='10' xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'>" +
            "<defs><path id='gpPt1' d='M0,0'/></defs><g clip-path='url(#c1)'><use xlink:href='#gpPt1'/>" +
            "<text>a &lt;script>x&lt;/script> &amp; \"q\" &#x41;</text></g></svg>"
        let out = SVGInline.sanitize(good, idPrefix: "c-n-")
        XCTAssertEqual(out, "<svg width=\"10\"><defs><path id=\"c-n-gpPt1\" d=\"M0,0\"/></defs><g clip-path=\"url(#c-n-c1)\"><use href=\"#c-n-gpPt1\"/>" +
                       "<text>a &lt;script&gt;x&lt;/script&gt; &amp; &quot;q&quot; A</text></g></svg>")
        for bad in [
            "<svg><script>alert(1)</script></svg>",
            "<svg onload='alert(1)'></svg>",
            "<svg><a href='https://example.org'><text>x</text></a></svg>",
            "<svg><use xlink:href='https://example.org/x.svg#a'/></svg>",
            "<svg><rect style='fill:url(https://example.org/x)'/></svg>",
            "<svg><foreignObject><div/></foreignObject></svg>",
            "<svg><image href='#x'/></svg>",
            "<svg><g></svg>",
            "<!DOCTYPE svg [<!ENTITY x 'y'>]><svg/>",
            "<svg><text>&x;</text></svg>",
            "<svg/><svg/>",
            "<g/>",
        ] {
            XCTAssertNil(SVGInline.sanitize(bad, idPrefix: "p-"), bad)
        }
    }

    func testInlineMarkdownEscapesAndKeepsOnlyRelativeLinks() {
        XCTAssertEqual(InlineMarkdown.html("**a** `<b>` [CSV](tables/x.csv)"),
                       "<strong>a</strong> <code>&lt;b&gt;</code> <a href=\"tables/x.csv\">CSV</a>")
        XCTAssertEqual(InlineMarkdown.html("[x](javascript:alert(1)) [y](https://e.org) [z](../../etc/passwd)"),
                       "[x](javascript:alert(1)) [y](https://e.org) [z](../../etc/passwd)")
        XCTAssertEqual(InlineMarkdown.html("a ** b < c"), "a ** b &lt; c")
        var details = 0
        XCTAssertEqual(MarkdownBlocks.html("</details>\n<details><summary><i>x</i></summary>\n```\n</details>\n```\n", details: &details),
                       "<p>&lt;/details&gt;</p>\n<details><summary>&lt;i&gt;x&lt;/i&gt;</summary>\n<pre><code>&lt;/details&gt;</code></pre>\n")
        XCTAssertEqual(details, 1, "the open details element is closed at the end of the page")
    }

    func testIndexListsReportsNewestFirstAndLeavesForeignFilesAlone() throws {
        let root = try TestSupport.temporaryDirectory(self).appendingPathComponent("reports")
        var older = Fixtures.offline()
        older.provenance.createdAt = "2026-11-01T09:00:00Z"
        var newer = Self.hostileOffline()
        newer.provenance.createdAt = "2026-11-20T09:00:00Z"
        newer.runId = "offline-aaaaaaaaaaaa"
        try Report.write(try Report.build(.offline(older), charts: false), to: root.appendingPathComponent("old run"), gnuplot: nil)
        try Report.write(try Report.build(.offline(newer), previous: .offline(older), charts: false), to: root.appendingPathComponent("sprint/new"), gnuplot: nil)
        try Report.write(try Report.build(.ab(Fixtures.ab()), charts: false), to: root.appendingPathComponent("ab"), gnuplot: nil)
        // A page RecLab did not write is not listed; hidden folders are not entered.
        try FileManager.default.createDirectory(at: root.appendingPathComponent("other"), withIntermediateDirectories: true)
        try "<html><meta name=\"reclab:run-id\" content=\"fake\"></html>".write(to: root.appendingPathComponent("other/report.html"), atomically: true, encoding: .utf8)
        let written = try ReportIndex.write(root: root)
        XCTAssertEqual(written.reports, 3)
        let html = try String(contentsOf: written.url, encoding: .utf8)
        let tags = HTMLTags(html)
        XCTAssertEqual(tags.all("script").count, 2)
        let links = tags.all("a").compactMap { $0.attributes["href"] }
        // The A/B fixture has no creation time: its file time (now) sorts it first.
        XCTAssertEqual(links, ["ab/report.html", "sprint/new/report.html", "old%20run/report.html"])
        XCTAssertTrue(html.contains("2026-11-20T09:00:00Z"))
        XCTAssertTrue(html.contains("sprint review against \(Fixtures.offline().runId)"))
        XCTAssertTrue(html.contains(HTML.escape(newer.name)))
        XCTAssertFalse(html.contains("<img src=x"))
        // The headline: best strategy per metric.
        XCTAssertTrue(html.contains("ndcg@5: ease"), html)
        // Rebuilding replaces our index; a foreign index.html is never replaced.
        XCTAssertEqual(try ReportIndex.write(root: root).reports, 3)
        try "mine".write(to: written.url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ReportIndex.write(root: root)) { XCTAssertTrue("\($0)".contains("not written by reclab report --index"), "\($0)") }
        XCTAssertEqual(try String(contentsOf: written.url, encoding: .utf8), "mine")
    }
}
