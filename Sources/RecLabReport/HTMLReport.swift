import Foundation
import RecLabCore

/// report.html: the report's content (the same blocks report.md is written from) as one self-contained page.
/// No network: styles and the one script are inline, charts are inline SVG (sanitized, `SVGInline`), and a
/// Content-Security-Policy allows nothing else (only the script with this exact hash runs). Tables sort by
/// clicking a header; a table of contents lists the sections; each chart links its data (.dat) and table
/// (CSV) files and carries a text alternative. Large type and strong contrast for a projector; print CSS.
public enum HTMLReport {
    /// Marker attribute the inline script sets on `<body>` once it ran (`ok`), and the one `window.onerror`
    /// fills with the message of any script error: the browser test reads both from the DOM.
    public static let scriptMarker = "data-reclab-script"
    public static let errorMarker = "data-reclab-script-error"
    /// `<meta name="generator">` of every page RecLab writes; the index only lists (and only replaces) these.
    public static let generator = "RecLab report"
    public static let indexGenerator = "RecLab report index"

    /// `svgs`: chart name -> SVG text as gnuplot wrote it (absent when charts were not drawn).
    public static func render(_ content: ReportContent, svgs: [String: String]) -> String {
        var title = "RecLab report"
        for case .heading(1, let text) in content.blocks { title = text; break }
        // Section ids and the table of contents (levels 2 and 3).
        var ids: [Int: String] = [:]
        var taken = Set<String>()
        var toc: [(level: Int, id: String, text: String)] = []
        for (i, block) in content.blocks.enumerated() {
            guard case .heading(let level, let text) = block, level >= 2 else { continue }
            var id = "s-" + HTML.idSlug(text)
            if taken.contains(id) { var n = 2; while taken.contains("\(id)-\(n)") { n += 1 }; id = "\(id)-\(n)" }
            taken.insert(id)
            ids[i] = id
            if level <= 3 { toc.append((level, id, text)) }
        }

        var body = ""
        var details = 0
        for (i, block) in content.blocks.enumerated() {
            switch block {
            case .heading(let level, let text):
                let h = min(max(level, 1), 6)
                let id = ids[i].map { " id=\"\($0)\"" } ?? ""
                body += "<h\(h)\(id)>\(HTML.escape(text))</h\(h)>\n"
                if level == 1 && !toc.isEmpty {
                    // Level-3 entries nest under their section, so a section and its parts stay in one column.
                    body += "<nav class=\"toc\" aria-label=\"Contents\"><h2>Contents</h2><ul>\n"
                    var open = false, nested = false
                    for entry in toc {
                        let link = "<a href=\"#\(entry.id)\">\(HTML.escape(entry.text))</a>"
                        if entry.level == 3 && open {
                            if !nested { body += "<ul>"; nested = true }
                            body += "<li>\(link)</li>"
                            continue
                        }
                        if nested { body += "</ul>"; nested = false }
                        if open { body += "</li>\n" }
                        body += "<li>\(link)"
                        open = true
                    }
                    if nested { body += "</ul>" }
                    if open { body += "</li>\n" }
                    body += "</ul></nav>\n"
                }
            case .text(let markdown):
                body += MarkdownBlocks.html(markdown, details: &details)
            case .table(let index, let inline):
                body += table(content.tables[index], inline: inline)
            case .chart(let index):
                let chart = content.charts[index]
                body += figure(chart, svg: svgs[chart.name])
            }
        }
        body += String(repeating: "</details>\n", count: details)

        var meta = ""
        if let m = content.meta {
            meta += "<meta name=\"reclab:run-id\" content=\"\(HTML.escape(m.runId))\">\n"
            meta += "<meta name=\"reclab:kind\" content=\"\(HTML.escape(m.kind))\">\n"
            meta += "<meta name=\"reclab:name\" content=\"\(HTML.escape(m.name))\">\n"
            if let created = m.createdAt { meta += "<meta name=\"reclab:created\" content=\"\(HTML.escape(created))\">\n" }
            if let previous = m.previousRunId { meta += "<meta name=\"reclab:previous\" content=\"\(HTML.escape(previous))\">\n" }
        }
        meta += "<meta name=\"reclab:headline\" content=\"\(HTML.escape(headline(content)))\">\n"
        return page(title: title, generator: generator, meta: meta, body: body)
    }

    /// One line for the index: the first rows of the headline table, else the first sentence after the title.
    static func headline(_ content: ReportContent) -> String {
        if let t = content.tables.first(where: { $0.slug == "headline" }), !t.rows.isEmpty {
            return t.rows.prefix(3).map { row in
                "\(row[0].display): \(row.count > 1 ? row[1].display : "")\(row.count > 2 ? " " + row[2].display : "")"
            }.joined(separator: "; ")
        }
        for case .text(let text) in content.blocks {
            if let line = text.split(separator: "\n").first(where: { !$0.hasPrefix(">") && !$0.hasPrefix("|") && !$0.isEmpty }) {
                return String(line.replacingOccurrences(of: "**", with: "").prefix(300))
            }
        }
        return ""
    }

    static func table(_ t: ReportTable, inline: Bool) -> String {
        let links = "<a href=\"tables/\(HTML.escape(t.slug)).csv\">CSV</a> · <a href=\"tables/\(HTML.escape(t.slug)).tex\">LaTeX</a> · " +
            "<a href=\"tables/\(HTML.escape(t.slug)).md\">Markdown</a>"
        guard inline else {
            return "<p class=\"table-link\">\(HTML.escape(t.title)): \(links)</p>\n"
        }
        var out = "<section class=\"table\" id=\"table-\(HTML.escape(t.slug))\">\n"
        out += "<p class=\"caption\"><strong>\(HTML.escape(t.title))</strong> (\(links))</p>\n"
        out += "<div class=\"scroll\"><table class=\"sortable\" data-table=\"\(HTML.escape(t.slug))\">\n<thead><tr>"
        for col in t.columns {
            out += "<th scope=\"col\" class=\"\(col.numeric ? "num" : "txt")\" aria-sort=\"none\"><button type=\"button\">\(HTML.escape(col.header))</button></th>"
        }
        out += "</tr></thead>\n<tbody>\n"
        for (r, row) in t.rows.enumerated() {
            out += "<tr>"
            for (c, cell) in row.enumerated() {
                let text = HTML.escape(cell.display)
                let strong = t.emphasised.contains(ReportTable.Pair(row: r, column: c)) && !text.isEmpty
                let sortKey = sortValue(cell).map { " data-sort=\"\(NumberFormat.exact($0))\"" } ?? ""
                out += "<td class=\"\(t.columns[c].numeric ? "num" : "txt")\"\(sortKey)>\(strong ? "<strong>\(text)</strong>" : text)</td>"
            }
            out += "</tr>\n"
        }
        out += "</tbody></table></div>\n</section>\n"
        return out
    }

    /// The number a cell sorts by (the mean of an interval); nil for text and undefined values.
    static func sortValue(_ cell: TableCell) -> Double? {
        switch cell {
        case .number(let x), .pValue(let x): return x.isFinite ? x : nil
        case .integer(let n): return Double(n)
        case .interval(let m, _, _): return m.isFinite ? m : nil
        case .text, .empty: return nil
        }
    }

    static func figure(_ chart: Chart, svg: String?) -> String {
        let name = HTML.escape(chart.name)
        var out = "<figure class=\"chart\" id=\"chart-\(name)\" data-chart=\"\(name)\">\n"
        if let svg, let safe = SVGInline.sanitize(svg, idPrefix: "c-\(chart.name)-") {
            // role/aria-label on a wrapper: the SVG's own text is the plot; the label names it.
            out += "<div class=\"svg\" role=\"img\" aria-label=\"\(HTML.escape(chart.title))\">\(safe)</div>\n"
        } else if svg != nil {
            out += "<p class=\"missing\">This chart could not be shown inline; open <a href=\"charts/\(name).svg\">charts/\(name).svg</a>.</p>\n"
        }
        out += "<figcaption>\(HTML.escape(chart.title)) · data: <a href=\"charts/\(name).dat\" download>\(name).dat</a> · " +
            "<a href=\"charts/\(name).svg\">SVG</a> · <a href=\"charts/\(name).png\">PNG</a> · <a href=\"charts/\(name).gp\">gnuplot script</a></figcaption>\n"
        out += "<details class=\"alt\"><summary>Text alternative: the data of this chart</summary>\n<pre>\(HTML.escape(chart.data))</pre></details>\n"
        out += "</figure>\n"
        return out
    }

    /// The inline script: sortable tables, then the marker. It has a fixed text, so its hash in the
    /// Content-Security-Policy is fixed too.
    static let script = """
        (function () {
          function key(td) {
            var v = td.getAttribute('data-sort');
            return v === null ? null : parseFloat(v);
          }
          function sortBy(table, col, th) {
            var body = table.tBodies[0];
            var rows = Array.prototype.slice.call(body.rows);
            var asc = th.getAttribute('aria-sort') !== 'ascending';
            rows.sort(function (a, b) {
              var x = a.cells[col], y = b.cells[col];
              var kx = key(x), ky = key(y);
              var r;
              if (kx !== null && ky !== null) { r = kx - ky; }
              else if (kx !== null) { r = -1; }
              else if (ky !== null) { r = 1; }
              else { r = x.textContent.localeCompare(y.textContent); }
              return asc ? r : -r;
            });
            rows.forEach(function (row) { body.appendChild(row); });
            Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.setAttribute('aria-sort', 'none'); });
            th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
          }
          Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
            Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
              th.querySelector('button').addEventListener('click', function () { sortBy(table, col, th); });
            });
          });
          // A link can open the page sorted: #sort=TABLE:COLUMN:asc|desc (TABLE is the table's file name).
          var m = /^#sort=([a-z0-9-]+):([0-9]+):(asc|desc)$/.exec(window.location.hash);
          var target = m && document.querySelector('table[data-table="' + m[1] + '"]');
          var header = target && target.tHead.rows[0].cells[parseInt(m[2], 10)];
          if (header) {
            header.setAttribute('aria-sort', m[3] === 'asc' ? 'none' : 'ascending');
            sortBy(target, parseInt(m[2], 10), header);
          }
          document.body.setAttribute('data-reclab-script', 'ok');
        })();
        """

    static let errorHook = """
        window.onerror = function (message) { document.documentElement.setAttribute('data-reclab-script-error', String(message)); };
        """

    static let css = """
        :root { --fg: #111; --muted: #444; --line: #bbb; --accent: #0a5ea8; --warn: #fff4d6; }
        html { font-size: 20px; }
        body { font-family: 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif; color: var(--fg); background: #fff;
               line-height: 1.45; max-width: 1400px; margin: 0 auto; padding: 1rem 2rem 4rem; }
        h1 { font-size: 2rem; margin: 0.5rem 0 1rem; }
        h2 { font-size: 1.5rem; border-bottom: 2px solid var(--line); padding-bottom: 0.2rem; margin-top: 2.2rem; }
        h3 { font-size: 1.2rem; margin-top: 1.6rem; }
        a { color: var(--accent); }
        code, pre { font-family: 'DejaVu Sans Mono', monospace; font-size: 0.85em; }
        pre { background: #f4f4f4; padding: 0.6rem; overflow-x: auto; white-space: pre-wrap; }
        blockquote { background: var(--warn); border-left: 6px solid #d58a00; margin: 1rem 0; padding: 0.5rem 1rem; }
        nav.toc { border: 1px solid var(--line); padding: 0.4rem 1rem; margin: 1rem 0 1.5rem; columns: 2; }
        nav.toc h2 { font-size: 1.1rem; border: 0; margin: 0.2rem 0; column-span: all; }
        nav.toc ul { margin: 0; padding-left: 1rem; }
        nav.toc > ul > li { break-inside: avoid; }
        nav.toc li li { font-size: 0.9rem; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; margin: 0.4rem 0 1.2rem; font-size: 0.9rem; }
        th, td { border-bottom: 1px solid var(--line); padding: 0.25rem 0.6rem; vertical-align: top; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        td.num { white-space: nowrap; }
        td.txt, th.txt { text-align: left; }
        thead th { border-bottom: 2px solid var(--fg); }
        th button { font: inherit; font-weight: bold; background: none; border: 0; padding: 0; cursor: pointer; color: inherit; }
        th[aria-sort="ascending"] button::after { content: " \\25B2"; }
        th[aria-sort="descending"] button::after { content: " \\25BC"; }
        table.kv td:first-child { color: var(--muted); }
        p.caption { margin-bottom: 0.2rem; }
        figure.chart { margin: 1rem 0 2rem; }
        figure.chart .svg svg { width: 100%; height: auto; max-width: 1280px; display: block; }
        figcaption { color: var(--muted); font-size: 0.85rem; }
        details.alt pre { max-height: 20rem; overflow: auto; }
        @media print {
          html { font-size: 11pt; }
          body { max-width: none; padding: 0; }
          nav.toc { columns: 1; }
          th button::after { content: "" !important; }
          figure.chart, table, blockquote { break-inside: avoid; }
          h2, h3 { break-after: avoid; }
          details.alt { display: none; }
          a { color: inherit; text-decoration: none; }
        }
        """

    /// The Content-Security-Policy hash source of an inline script.
    static func cspHash(_ script: String) -> String {
        "'sha256-\(Data(SHA256.hash(Array(script.utf8))).base64EncodedString())'"
    }

    /// A whole page: the policy allows no network at all (`default-src 'none'`), inline styles, and only
    /// the two scripts written here (by hash).
    static func page(title: String, generator: String, meta: String, body: String, withScript: Bool = true) -> String {
        let scripts = withScript ? "script-src \(cspHash(errorHook)) \(cspHash(script)); " : "script-src 'none'; "
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \(scripts)style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out += "<meta name=\"generator\" content=\"\(HTML.escape(generator))\">\n"
        out += meta
        out += "<title>\(HTML.escape(title))</title>\n"
        if withScript { out += "<script>\(errorHook)</script>\n" }
        out += "<style>\n\(css)\n</style>\n</head>\n"
        out += "<body \(scriptMarker)=\"\(withScript ? "not-run" : "none")\">\n<main>\n"
        out += body
        out += "</main>\n"
        if withScript { out += "<script>\(script)</script>\n" }
        out += "</body>\n</html>\n"
        return out
    }
}

/// The Markdown blocks RecLab's report text uses, to HTML: paragraphs, `> ` notes, `- ` lists, pipe tables,
/// fenced code, and the `<details><summary>…</summary>` / `</details>` lines the provenance section writes.
/// Any other markup in the text is escaped and shown as text.
enum MarkdownBlocks {
    static func html(_ markdown: String, details: inout Int) -> String {
        var out = ""
        let lines = markdown.components(separatedBy: "\n")
        var i = 0
        var paragraph: [String] = []
        func flushParagraph() {
            if !paragraph.isEmpty { out += "<p>" + paragraph.map(InlineMarkdown.html).joined(separator: "\n") + "</p>\n" }
            paragraph = []
        }
        while i < lines.count {
            let line = lines[i]
            if line.isEmpty { flushParagraph(); i += 1; continue }
            if line.hasPrefix("```") {
                flushParagraph()
                var code: [String] = []
                i += 1
                while i < lines.count && lines[i] != "```" { code.append(lines[i]); i += 1 }
                i += 1
                out += "<pre><code>" + HTML.escape(code.joined(separator: "\n")) + "</code></pre>\n"
                continue
            }
            if line.hasPrefix("<details><summary>") && line.hasSuffix("</summary>") {
                flushParagraph()
                let summary = line.dropFirst("<details><summary>".count).dropLast("</summary>".count)
                out += "<details><summary>" + HTML.escape(String(summary)) + "</summary>\n"
                details += 1
                i += 1
                continue
            }
            if line == "</details>" && details > 0 {
                flushParagraph()
                out += "</details>\n"
                details -= 1
                i += 1
                continue
            }
            if line.hasPrefix(">") {
                flushParagraph()
                var quote: [String] = []
                while i < lines.count && lines[i].hasPrefix(">") {
                    quote.append(String(lines[i].dropFirst(lines[i].hasPrefix("> ") ? 2 : 1)))
                    i += 1
                }
                out += "<blockquote><p>" + quote.map(InlineMarkdown.html).joined(separator: "\n") + "</p></blockquote>\n"
                continue
            }
            if line.hasPrefix("- ") {
                flushParagraph()
                out += "<ul>\n"
                while i < lines.count && lines[i].hasPrefix("- ") {
                    out += "<li>" + InlineMarkdown.html(String(lines[i].dropFirst(2))) + "</li>\n"
                    i += 1
                }
                out += "</ul>\n"
                continue
            }
            if line.hasPrefix("|") {
                flushParagraph()
                var rows: [[String]] = []
                while i < lines.count && lines[i].hasPrefix("|") { rows.append(cells(lines[i])); i += 1 }
                out += pipeTable(rows)
                continue
            }
            paragraph.append(line)
            i += 1
        }
        flushParagraph()
        return out
    }

    /// The cells of a pipe-table row; `\|` is a literal bar.
    static func cells(_ line: String) -> [String] {
        var cells: [String] = []
        var current = ""
        var escaped = false
        for ch in line.dropFirst() {
            if escaped { current.append(ch); escaped = false; continue }
            if ch == "\\" { escaped = true; continue }
            if ch == "|" { cells.append(current.trimmingCharacters(in: .whitespaces)); current = ""; continue }
            current.append(ch)
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { cells.append(current.trimmingCharacters(in: .whitespaces)) }
        return cells
    }

    static func pipeTable(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        let isSeparator: ([String]) -> Bool = { $0.allSatisfy { $0.allSatisfy { "-: ".contains($0) } && !$0.isEmpty } }
        let bodyRows = rows.dropFirst().filter { !isSeparator($0) }
        let keyValue = header.allSatisfy(\.isEmpty)
        var out = "<div class=\"scroll\"><table class=\"\(keyValue ? "kv" : "plain")\">\n"
        if !keyValue {
            out += "<thead><tr>" + header.map { "<th scope=\"col\">\(InlineMarkdown.html($0))</th>" }.joined() + "</tr></thead>\n"
        }
        out += "<tbody>\n"
        for row in bodyRows { out += "<tr>" + row.map { "<td>\(InlineMarkdown.html($0))</td>" }.joined() + "</tr>\n" }
        out += "</tbody></table></div>\n"
        return out
    }
}
