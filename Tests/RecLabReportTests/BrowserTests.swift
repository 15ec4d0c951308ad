import XCTest
import Foundation
import CZlib
@testable import RecLabReport
import RecLabResults
import RecLabTestSupport

/// A PNG decoded to 8-bit pixels (colour types 0, 2, 4, 6 at bit depth 8, no interlace: what Chromium writes).
struct DecodedPNG {
    var width: Int
    var height: Int
    var channels: Int
    var pixels: [UInt8]

    init(_ data: Data) throws {
        let bytes = [UInt8](data)
        guard bytes.count > 33, Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { throw Problem("not a PNG") }
        func be32(_ i: Int) -> Int { Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) }
        var i = 8
        var idat: [UInt8] = []
        var w = 0, h = 0, colourType = 0, depth = 0, interlace = 0
        while i + 8 <= bytes.count {
            let length = be32(i), type = String(decoding: bytes[(i + 4)..<(i + 8)], as: UTF8.self)
            guard i + 12 + length <= bytes.count else { throw Problem("truncated chunk \(type)") }
            let body = bytes[(i + 8)..<(i + 8 + length)]
            if type == "IHDR" {
                w = be32(i + 8); h = be32(i + 12); depth = Int(body[body.startIndex + 8]); colourType = Int(body[body.startIndex + 9])
                interlace = Int(body[body.startIndex + 12])
            } else if type == "IDAT" {
                idat += body
            } else if type == "IEND" { break }
            i += 12 + length
        }
        guard depth == 8, interlace == 0, let ch = [0: 1, 2: 3, 4: 2, 6: 4][colourType], w > 0, h > 0 else {
            throw Problem("unsupported PNG: depth \(depth), colour type \(colourType), interlace \(interlace)")
        }
        width = w; height = h; channels = ch
        let stride = w * ch
        var raw = [UInt8](repeating: 0, count: (stride + 1) * h)
        var rawLength = uLongf(raw.count)
        let status = raw.withUnsafeMutableBufferPointer { out in
            idat.withUnsafeBufferPointer { src in uncompress(out.baseAddress, &rawLength, src.baseAddress, uLong(src.count)) }
        }
        guard status == Z_OK, Int(rawLength) == raw.count else { throw Problem("zlib status \(status), \(rawLength) of \(raw.count) bytes") }
        // Undo the per-row filters (PNG spec, section 9).
        var px = [UInt8](repeating: 0, count: stride * h)
        for y in 0..<h {
            let filter = raw[y * (stride + 1)]
            for x in 0..<stride {
                let a = x >= ch ? Int(px[y * stride + x - ch]) : 0
                let b = y > 0 ? Int(px[(y - 1) * stride + x]) : 0
                let c = x >= ch && y > 0 ? Int(px[(y - 1) * stride + x - ch]) : 0
                let v = Int(raw[y * (stride + 1) + 1 + x])
                let predicted: Int
                switch filter {
                case 0: predicted = 0
                case 1: predicted = a
                case 2: predicted = b
                case 3: predicted = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predicted = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: throw Problem("bad filter \(filter)")
                }
                px[y * stride + x] = UInt8((v + predicted) & 0xFF)
            }
        }
        pixels = px
    }

    /// Luma of pixel (x, y).
    func luma(_ x: Int, _ y: Int) -> Double {
        let i = (y * width + x) * channels
        if channels < 3 { return Double(pixels[i]) }
        return 0.299 * Double(pixels[i]) + 0.587 * Double(pixels[i + 1]) + 0.114 * Double(pixels[i + 2])
    }

    struct Problem: Error, CustomStringConvertible { var description: String; init(_ s: String) { description = s } }
}

/// report.html in a real browser: headless Chromium (Debian's `chromium`, installed by .ci/ensure-deps.sh)
/// loads the page from disk with every host unresolvable, and the test reads the DOM after the script ran
/// (`--dump-dom`) and a screenshot (`--screenshot`).
final class BrowserTests: XCTestCase {
    static func chromium() throws -> String {
        let env = ProcessInfo.processInfo.environment
        if let path = env["RECLAB_CHROMIUM"], !path.isEmpty { return path }
        for dir in (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            for name in ["chromium", "chromium-browser", "google-chrome"] {
                let candidate = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        throw XCTSkip("chromium not installed: the browser test needs it (Debian: apt-get install chromium; CI installs it in .ci/ensure-deps.sh)")
    }

    /// Runs headless Chromium on `page` with `arguments`; returns standard output.
    func runChromium(_ page: URL, _ arguments: [String], profile: URL) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try Self.chromium())
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                       "--disable-background-networking", "--host-resolver-rules=MAP * ~NOTFOUND", "--hide-scrollbars",
                       "--user-data-dir=\(profile.path)", "--virtual-time-budget=3000"] + arguments + [page.absoluteString]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Read stdout before waiting: a large DOM would fill the pipe.
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, String(decoding: errData.suffix(2000), as: UTF8.self))
        return String(decoding: data, as: UTF8.self)
    }

    func testChromiumRendersTheReportWithEveryTableAndChartAndNoScriptError() throws {
        _ = try Self.chromium()
        let dir = try TestSupport.temporaryDirectory(self)
        let content = try Report.build(.offline(HTMLReportTests.hostileOffline()), previous: .offline(Fixtures.offline()), charts: true)
        let reportDir = dir.appendingPathComponent("report")
        try Report.write(content, to: reportDir, gnuplot: try Gnuplot.locate())
        let page = reportDir.appendingPathComponent("report.html")

        // Opened sorted by the headline's value column, descending: the script sorts the rows in the DOM.
        let sorted = try XCTUnwrap(URL(string: page.absoluteString + "#sort=headline:2:desc"))
        let dom = try runChromium(sorted, ["--dump-dom"], profile: dir.appendingPathComponent("profile-dom"))
        let tags = HTMLTags(dom)
        let values = tags.column(table: "headline", 2).compactMap { $0.flatMap(Double.init) }
        let headline = try XCTUnwrap(content.tables.first { $0.slug == "headline" })
        XCTAssertEqual(values.count, headline.rows.count)
        XCTAssertEqual(values, values.sorted(by: >), "rows sorted by value, descending")
        XCTAssertNotEqual(values, headline.rows.compactMap { HTMLReport.sortValue($0[2]) }, "the order changed from the file's")
        let valueHeader = tags.tags.filter { $0.name == "th" }.dropFirst(2).first
        XCTAssertEqual(valueHeader?.attributes["aria-sort"], "descending")
        let body = try XCTUnwrap(tags.all("body").first, "a DOM came back: \(dom.prefix(300))")
        XCTAssertEqual(body.attributes[HTMLReport.scriptMarker], "ok", "the inline script ran to the end")
        XCTAssertNil(tags.all("html").first?.attributes[HTMLReport.errorMarker], "window.onerror caught a script error")
        // The DOM the browser built (not just the file) has every table, chart and only our two scripts.
        HTMLReportTests.assertWellFormedReport(dom, content)
        // The browser parsed the hostile name as text: the table cell holds it escaped, no element came from it.
        XCTAssertTrue(dom.contains("&lt;script&gt;alert('x')&lt;/script&gt;"), "the hostile name is text in the DOM")
        XCTAssertFalse(tags.tags.contains { $0.name == "img" }, "no element injected by a name")

        try assertScreenshotNotBlank(page, dir)

        // The measure tells a blank page apart: an empty white page has neither dark pixels nor variance.
        let blank = dir.appendingPathComponent("blank.html")
        try "<!DOCTYPE html><html><body style=\"background:#fff\"></body></html>".write(to: blank, atomically: true, encoding: .utf8)
        let empty = try screenshotStatistics(blank, dir, shot: dir.appendingPathComponent("blank.png"))
        XCTAssertLessThan(empty.dark, 0.001)
        XCTAssertLessThan(empty.variance, 1)
    }

    /// Any report.html named by RECLAB_BROWSER_REPORT (the demo's: `reports/demo/offline/report.html`), checked
    /// the same way without knowing its content in advance: the script ran, no error, every chart inline.
    func testGivenReportRendersInChromium() throws {
        guard let path = ProcessInfo.processInfo.environment["RECLAB_BROWSER_REPORT"], !path.isEmpty else {
            throw XCTSkip("set RECLAB_BROWSER_REPORT=path/to/report.html to render an existing report (make demo writes reports/demo/*/report.html)")
        }
        _ = try Self.chromium()
        let dir = try TestSupport.temporaryDirectory(self)
        let page = URL(fileURLWithPath: path).standardizedFileURL
        let file = HTMLTags(try String(contentsOf: page, encoding: .utf8))
        let dom = HTMLTags(try runChromium(page, ["--dump-dom"], profile: dir.appendingPathComponent("profile-dom")))
        XCTAssertEqual(dom.all("body").first?.attributes[HTMLReport.scriptMarker], "ok")
        XCTAssertNil(dom.all("html").first?.attributes[HTMLReport.errorMarker])
        XCTAssertEqual(dom.all("script").count, 2)
        XCTAssertGreaterThan(dom.all("table").count, 0)
        XCTAssertEqual(dom.all("table").count, file.all("table").count)
        XCTAssertEqual(dom.all("figure").count, file.all("figure").count)
        XCTAssertEqual(dom.all("svg").count, dom.all("figure").count, "every chart inline")
        try assertScreenshotNotBlank(page, dir)
    }

    /// Share of clearly dark pixels and the luma variance of a screenshot of `page` (every second pixel).
    func screenshotStatistics(_ page: URL, _ dir: URL, shot: URL) throws -> (png: DecodedPNG, dark: Double, variance: Double) {
        _ = try runChromium(page, ["--screenshot=\(shot.path)", "--window-size=1280,2400"], profile: dir.appendingPathComponent("profile-shot"))
        let png = try DecodedPNG(try Data(contentsOf: shot))
        var dark = 0, sum = 0.0, sumSq = 0.0
        for y in Swift.stride(from: 0, to: png.height, by: 2) {
            for x in Swift.stride(from: 0, to: png.width, by: 2) {
                let l = png.luma(x, y)
                if l < 160 { dark += 1 }
                sum += l; sumSq += l * l
            }
        }
        let n = Double((png.width / 2) * (png.height / 2))
        return (png, Double(dark) / n, sumSq / n - (sum / n) * (sum / n))
    }

    func assertScreenshotNotBlank(_ page: URL, _ dir: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let shot = dir.appendingPathComponent("shot.png")
        let (png, dark, variance) = try screenshotStatistics(page, dir, shot: shot)
        XCTAssertEqual([png.width, png.height], [1280, 2400], file: file, line: line)
        // Not blank: many pixels differ clearly from the white page, and the luma varies.
        XCTAssertGreaterThan(dark, 0.01, "text and charts darken more than 1% of the page", file: file, line: line)
        XCTAssertGreaterThan(variance, 200, "luma variance of a page with text and charts", file: file, line: line)
        if let keep = ProcessInfo.processInfo.environment["RECLAB_KEEP_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(at: shot, to: URL(fileURLWithPath: keep))
        }
    }
}
