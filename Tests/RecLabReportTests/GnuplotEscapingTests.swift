import Foundation
import RecLabCore
@testable import RecLabReport
import RecLabResults
import RecLabStore
import RecLabTestSupport
import XCTest

/// Strings from configs and result documents (strategy, arm and dataset names, titles) enter generated
/// gnuplot scripts only through `GnuplotStyle.quote`, and data files through `GnuplotStyle.dataLabel`.
/// Hostile strings must come out as inert text: checked on the strings, then with the real gnuplot.
final class GnuplotEscapingTests: XCTestCase {
    /// Line breaks of every kind, quotes, backquotes, macros, backslashes, datablock names, control characters.
    static let hostile: [String] = [
        "d\nsystem(\"touch MARKER\")\n#",
        "d\rsystem(\"touch MARKER\")\r#",
        "d\r\nsystem(\"touch MARKER\")\r\n#",
        "a'\nsystem('touch MARKER')\n'",
        "`touch MARKER`",
        "x\"`touch MARKER`\"y",
        "''; system('touch MARKER'); '",
        "@MACRO $DATA DATA 'DATA' \"DATA\"",
        "back\\", "\\\\n", "tab\there", "v\u{0B}f\u{0C}e\u{1B}[31m",
        "nel\u{85}system('touch MARKER')", "ls\u{2028}ps\u{2029}end", "del\u{7F}",
        "ünïcødé 🎬 title", "",
    ]

    func testQuoteYieldsOneSingleQuotedTokenWithoutLineBreaks() {
        for s in Self.hostile {
            let q = GnuplotStyle.quote(s)
            XCTAssertTrue(q.hasPrefix("'") && q.hasSuffix("'") && q.count >= 2, q)
            let inner = String(q.dropFirst().dropLast())
            // No quote inside, so the token cannot end early; the text is the visible form with ’ for '.
            XCTAssertFalse(inner.contains("'"), q)
            XCTAssertEqual(inner, GnuplotStyle.visible(s).replacingOccurrences(of: "'", with: "\u{2019}"))
            for u in q.unicodeScalars {
                XCTAssertFalse(u.value < 0x20 || (0x7F...0x9F).contains(u.value) || u.value == 0x2028 || u.value == 0x2029,
                               "control character U+\(String(u.value, radix: 16)) in \(q)")
            }
        }
        XCTAssertEqual(GnuplotStyle.quote("it's"), "'it\u{2019}s'")
        XCTAssertEqual(GnuplotStyle.quote("a\nb"), "'a\\u{A}b'")
        XCTAssertEqual(GnuplotStyle.quote("ease[k=20]"), "'ease[k=20]'", "ordinary names are unchanged")
    }

    func testDataLabelIsOneFieldOnOneLine() {
        for s in Self.hostile {
            let f = GnuplotStyle.dataLabel(s)
            XCTAssertTrue(f.hasPrefix("\"") && f.hasSuffix("\""), f)
            let inner = f.dropFirst().dropLast()
            XCTAssertFalse(inner.contains("\""), f)
            XCTAssertFalse(f.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0x2028 || $0.value == 0x2029 }, f)
            // Backslashes come in pairs (gnuplot reads one back), so none can escape the closing quote.
            XCTAssertFalse(inner.replacingOccurrences(of: "\\\\", with: "").contains("\\"), f)
        }
        XCTAssertEqual(GnuplotStyle.dataLabel("ndcg@10"), "\"ndcg@10\"")
    }

    func testDataPlaceholderIsReplacedOutsideQuotesOnly() {
        let commands = "plot DATA using 1:2 title 'DATA’s DATA', '' using 1:3 title \"DATA\""
        XCTAssertEqual(GnuplotStyle.replacingData(in: commands, with: "'c.dat'"),
                       "plot 'c.dat' using 1:2 title 'DATA’s DATA', '' using 1:3 title \"DATA\"")
        let chart = ChartBuilder.lines(name: "x", title: "DATA", xlabel: "DATA", ylabel: "y",
                                       series: [Series(name: "DATA", points: [(1, 1, .nan, .nan), (2, 2, .nan, .nan)])])
        XCTAssertTrue(chart.script.contains("plot 'x.dat' index 0"), chart.script)
        XCTAssertTrue(chart.script.contains("title 'DATA'"), chart.script)
    }

    private func gnuplot() throws -> Gnuplot {
        do { return try Gnuplot.locate() } catch { throw XCTSkip("gnuplot is not installed") }
    }

    /// gnuplot itself reads every quoted string back as its visible form, and runs nothing: each string is
    /// printed by a one-line script (gnuplot prints to stderr), so a broken quote would show as a syntax
    /// error, a different text or a created marker file.
    func testRealGnuplotReadsQuotedStringsAsPlainText() throws {
        let gp = try gnuplot()
        let dir = try TestSupport.temporaryDirectory(self)
        var strings = Self.hostile
        // Random strings over the characters that matter, with a fixed seed.
        var rng = SeededRandom(seed: 8)
        let alphabet = Array("'\"`@$\\#;\n\r\t\u{0B}\u{0C}\u{1B}\u{85}\u{2028}ab system(touch MARKER)DATA")
        for _ in 0..<40 { strings.append(String((0..<Int(rng.next() % 40)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })) }
        for (i, s) in strings.enumerated() {
            let script = dir.appendingPathComponent("p\(i).gp")
            try "print \(GnuplotStyle.quote(s))\n".write(to: script, atomically: true, encoding: .utf8)
            let r = try TestSupport.run(URL(fileURLWithPath: gp.executable), [script.lastPathComponent], currentDirectory: dir)
            XCTAssertEqual(r.status, 0, "\(SafeName.printable(s)): \(r.stderr)")
            XCTAssertEqual(r.stderr, GnuplotStyle.visible(s).replacingOccurrences(of: "'", with: "\u{2019}") + "\n", SafeName.printable(s))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("MARKER").path))
    }

    /// Whole reports whose every name is hostile: every chart is drawn, the marker never appears, and the
    /// names show up as text in the scripts' titles.
    func testReportWithHostileNamesDrawsChartsAndRunsNothing() throws {
        let gp = try gnuplot()
        let dir = try TestSupport.temporaryDirectory(self)
        let marker = dir.appendingPathComponent("MARKER")
        let evil = "d\nsystem(\"touch \(marker.path)\")\n#"
        let evil2 = "e'\nsystem('touch \(marker.path)')\n'`touch \(marker.path)`"

        var offline = Fixtures.offline()
        let names = Dictionary(uniqueKeysWithValues: offline.strategies.enumerated().map { ($0.element.name, [evil, evil2, "DATA", "x\\"][$0.offset % 4] + "\($0.offset)") })
        offline.strategies = offline.strategies.map { var s = $0; s.name = names[s.name]!; return s }
        offline.results = offline.results.map { var r = $0; r.strategy = names[r.strategy]!; return r }
        offline.comparisons = offline.comparisons.map { var c = $0; c.a = names[c.a] ?? c.a; c.b = names[c.b] ?? c.b; return c }
        offline.exposure = Dictionary(uniqueKeysWithValues: offline.exposure.map { (names[$0.key] ?? $0.key, $0.value) })
        offline.provenance.dataset.name = evil
        var ab = Fixtures.ab()
        let armNames = ["control": evil, "ease": evil2, "random": "r\r`touch \(marker.path)`"]
        ab.arms = ab.arms.map { var a = $0; a.name = armNames[a.name]!; return a }
        ab.control = evil
        ab.comparisons = ab.comparisons.map { var c = $0; c.arm = armNames[c.arm]!; c.control = evil; return c }
        ab.daily = ab.daily.map { var d = $0; d.arm = armNames[d.arm]!; return d }
        ab.power = ab.power.map { var p = $0; p.arm = armNames[p.arm]!; return p }
        ab.srm.observed = Dictionary(uniqueKeysWithValues: ab.srm.observed.map { (armNames[$0.key]!, $0.value) })
        ab.srm.expected = Dictionary(uniqueKeysWithValues: ab.srm.expected.map { (armNames[$0.key]!, $0.value) })
        ab.provenance.dataset.name = evil2

        for (i, document) in [ResultDocument.offline(offline), .ab(ab)].enumerated() {
            let content = try Report.build(document, charts: true)
            XCTAssertGreaterThan(content.charts.count, 2)
            for chart in content.charts {
                XCTAssertFalse(chart.script.contains("\nsystem("), chart.script)
                XCTAssertFalse(chart.data.contains("\nsystem("), chart.data)
            }
            let out = dir.appendingPathComponent("report\(i)")
            try Report.write(content, to: out, gnuplot: gp)
            for chart in content.charts {
                let png = try Data(contentsOf: out.appendingPathComponent("charts/\(chart.name).png"))
                XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47], chart.name)
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path), "a name ran a command through gnuplot")
    }
}
