import Foundation
import RecLabResults
import RecLabTestSupport
import XCTest

/// `reclab export` and `reclab report --index` through the built binary.
final class ExportCLITests: XCTestCase {
    func runFolder(_ dir: URL) throws -> URL {
        let run = dir.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        var doc = ReportCLITests.offline()
        doc.provenance.createdAt = "2026-11-30T08:00:00Z"
        try ResultJSON.encoder().encode(doc).write(to: run.appendingPathComponent("metrics.json"))
        return run
    }

    func testBulkFileTemplateAndKibanaObjects() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let run = try runFolder(dir)
        let out = dir.appendingPathComponent("export/tiny.ndjson")
        let kibana = dir.appendingPathComponent("export/kibana.ndjson")
        let r = try TestSupport.runReclab(["export", run.path, "--format", "es-bulk", "--out", out.path, "--kibana", kibana.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let bulk = try String(contentsOf: out, encoding: .utf8)
        // 1 run + 3 metric rows, two lines each.
        XCTAssertEqual(bulk.split(separator: "\n").count, 8, bulk)
        XCTAssertTrue(bulk.contains("\"@timestamp\":\"2026-11-30T08:00:00Z\""))
        XCTAssertTrue(bulk.contains("{\"index\":{\"_id\":"))
        let template = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("export/tiny.index-template.json"))) as? [String: Any]
        XCTAssertEqual(template?["index_patterns"] as? [String], ["reclab-runs", "reclab-metrics", "reclab-ab-daily", "reclab-ab-comparisons"])
        XCTAssertTrue(try String(contentsOf: kibana, encoding: .utf8).contains("\"type\":\"dashboard\""))
        // Again: the same bytes (ids and content are stable).
        XCTAssertEqual(try TestSupport.runReclab(["export", run.path, "--out", out.path]).status, 0)
        XCTAssertEqual(try String(contentsOf: out, encoding: .utf8), bulk)
    }

    func testSendsToAClusterWithCredentialsFromTheEnvironmentAndListsRejectedDocuments() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let run = try runFolder(dir)
        let server = try LoopbackElasticsearch()
        defer { server.stop() }
        server.expectedAuthorization = "Basic " + Data("reclab:pw".utf8).base64EncodedString()
        server.failNextRequests([429])
        let env = ["RECLAB_ES_USER": "reclab", "RECLAB_ES_PASSWORD": "pw"]
        let ok = try TestSupport.runReclab(["export", run.path, "--es", server.url], environment: env)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("4 indexed, 0 failed"), ok.stdout)
        XCTAssertTrue(ok.stderr.contains("HTTP 429; retrying"), ok.stderr)
        XCTAssertEqual(server.documents.count, 4)

        // One document rejected: listed, non-zero exit; the others still indexed (and not duplicated).
        let victim = try XCTUnwrap(server.documents.keys.sorted().first)
        server.reject(ids: [String(victim.split(separator: "/")[1])])
        let partial = try TestSupport.runReclab(["export", run.path, "--es", server.url], environment: env)
        XCTAssertNotEqual(partial.status, 0)
        XCTAssertTrue(partial.stderr.contains("\(victim): HTTP 400 'mapper_parsing_exception': 'failed to parse field"), partial.stderr)
        XCTAssertTrue(partial.stderr.contains("1 of 4 documents were not indexed"), partial.stderr)
        XCTAssertEqual(server.documents.count, 4)

        // Wrong or half-set credentials, credentials in the URL: refused before anything is sent.
        let before = server.requests.count
        let wrong = try TestSupport.runReclab(["export", run.path, "--es", server.url], environment: ["RECLAB_ES_USER": "reclab", "RECLAB_ES_PASSWORD": "no"])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("HTTP 401"), wrong.stderr)
        let half = try TestSupport.runReclab(["export", run.path, "--es", server.url], environment: ["RECLAB_ES_USER": "reclab"])
        XCTAssertNotEqual(half.status, 0)
        XCTAssertTrue(half.stderr.contains("set both RECLAB_ES_USER and RECLAB_ES_PASSWORD"), half.stderr)
        let inURL = try TestSupport.runReclab(["export", run.path, "--es", "http://reclab:pw@127.0.0.1:\(server.port)"])
        XCTAssertNotEqual(inURL.status, 0)
        XCTAssertTrue(inURL.stderr.contains("must not hold credentials"), inURL.stderr)
        XCTAssertEqual(server.requests.count, before + 1, "only the wrong-password request reached the server")
    }

    func testUsageErrorsWriteNothing() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let run = try runFolder(dir)
        for args in [["export", run.path], ["export", "--out", dir.appendingPathComponent("x.ndjson").path],
                     ["export", run.path, "--out", dir.appendingPathComponent("x.json").path],
                     ["export", run.path, "--format", "csv", "--out", dir.appendingPathComponent("x.ndjson").path],
                     ["report"], ["report", run.path, "--index", dir.path]] {
            let r = try TestSupport.runReclab(args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
        }
        XCTAssertEqual(TestSupport.tree(dir), ["run", "run/metrics.json"])
    }

    func testReportWritesHTMLAndTheIndexListsIt() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let run = try runFolder(dir)
        let reports = dir.appendingPathComponent("reports")
        let r = try TestSupport.runReclab(["report", run.path, "--out", reports.appendingPathComponent("tiny").path, "--no-charts"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let html = try String(contentsOf: reports.appendingPathComponent("tiny/report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<h1>RecLab report: tiny</h1>"))
        let manifest = try String(contentsOf: reports.appendingPathComponent("tiny/.reclab-report.json"), encoding: .utf8)
        XCTAssertTrue(manifest.contains("\"report.html\""))
        let index = try TestSupport.runReclab(["report", "--index", reports.path])
        XCTAssertEqual(index.status, 0, index.stderr)
        XCTAssertTrue(index.stdout.contains("(1 report)"), index.stdout)
        let page = try String(contentsOf: reports.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("<a href=\"tiny/report.html\">tiny</a>"), page)
        XCTAssertTrue(page.contains("2026-11-30T08:00:00Z"))
    }
}
