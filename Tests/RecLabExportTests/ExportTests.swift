import XCTest
import Foundation
import RecLabCore
import RecLabExport
import RecLabResults
import RecLabTestSupport

/// The Elasticsearch bulk file, the index template and the Kibana saved objects, checked field by field
/// against the documented formats (no cluster runs here), and the bulk client against `LoopbackElasticsearch`.
final class ExportTests: XCTestCase {
    static func golden(_ name: String) throws -> ResultDocument {
        try ResultDocument.load(path: TestSupport.packageRoot.appendingPathComponent("Tests/Golden/\(name)").path)
    }

    static func runs() throws -> [ExportRun] {
        try ["metrics.json", "ab.json", "ope.json"].map { ExportRun(document: try golden($0), time: "2026-11-30T10:00:00Z", timeSource: "created_at") }
    }

    static func json(_ line: Substring) -> [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] }

    func testBulkFileIsActionDocumentPairsWithStableIdsAndEveryFieldMapped() throws {
        let runs = try Self.runs()
        let text = ElasticsearchExport.bulk(runs)
        XCTAssertTrue(text.hasSuffix("\n"), "the bulk API requires a final newline")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count % 2, 0)
        guard case .object(let template) = ElasticsearchExport.indexTemplate(),
              case .object(let inner)? = template["template"], case .object(let mappings)? = inner["mappings"],
              case .object(let properties)? = mappings["properties"] else { return XCTFail("template shape") }
        XCTAssertEqual(mappings["dynamic"], .string("strict"))
        var ids = Set<String>()
        var perIndex: [String: Int] = [:]
        for pair in stride(from: 0, to: lines.count, by: 2) {
            let action = try XCTUnwrap(Self.json(lines[lines.startIndex + pair]), "action line \(pair) is JSON")
            let doc = try XCTUnwrap(Self.json(lines[lines.startIndex + pair + 1]), "document line \(pair + 1) is JSON")
            XCTAssertEqual(Array(action.keys), ["index"])
            let meta = try XCTUnwrap(action["index"] as? [String: Any])
            let index = try XCTUnwrap(meta["_index"] as? String), id = try XCTUnwrap(meta["_id"] as? String)
            XCTAssertTrue(ElasticsearchExport.indices.contains(index), index)
            XCTAssertEqual(id.count, 40)
            XCTAssertTrue(ids.insert(index + "/" + id).inserted, "duplicate id \(id)")
            perIndex[index, default: 0] += 1
            for (field, value) in doc {
                // dynamic: strict rejects unmapped fields, so every field must be in the template, with a matching type.
                guard case .object(let mapping)? = properties[field], case .string(let type)? = mapping["type"] else {
                    XCTFail("field \(field) of \(index) is not in the index template"); continue
                }
                switch type {
                case "keyword": XCTAssertTrue(value is String || value is NSNull || (value as? [Any])?.allSatisfy { $0 is String } == true, "\(field): \(value)")
                case "date": XCTAssertNotNil(ISO8601DateFormatter().date(from: value as? String ?? ""), "\(field): \(value)")
                case "double", "long": XCTAssertTrue(value is NSNumber || value is NSNull, "\(field): \(value)")
                case "boolean": XCTAssertTrue(value is Bool || value is NSNumber, "\(field): \(value)")
                default: XCTFail("unexpected mapping type \(type)")
                }
            }
            XCTAssertEqual(doc["@timestamp"] as? String, "2026-11-30T10:00:00Z")
            XCTAssertNotNil(doc["run_id"] as? String)
        }
        guard case .offline(let offline) = runs[0].document, case .ab(let ab) = runs[1].document, case .ope(let ope) = runs[2].document else {
            return XCTFail("golden kinds")
        }
        XCTAssertEqual(perIndex[ElasticsearchExport.runsIndex], 3)
        let abMetricRows = ab.arms.reduce(0) { $0 + $1.metrics.count }
        let opeRows = ope.targets.reduce(0) { $0 + 1 + $1.estimates.count }
        XCTAssertEqual(perIndex[ElasticsearchExport.metricsIndex], offline.results.count + abMetricRows + opeRows)
        XCTAssertEqual(perIndex[ElasticsearchExport.dailyIndex], ab.daily.reduce(0) { $0 + $1.metrics.count })
        XCTAssertEqual(perIndex[ElasticsearchExport.comparisonsIndex], ab.comparisons.count + (ab.cuped ?? []).reduce(0) { $0 + $1.comparisons.count })
        // A metric row carries its value and CI exactly.
        let first = offline.results[0]
        let docs = ElasticsearchExport.documents(runs[0])
        let row = try XCTUnwrap(docs.first { d in
            guard case .object(let f) = d.source else { return false }
            return f["strategy"] == .string(first.strategy) && f["metric"] == .string(first.metric) && f["fold"] == .string(first.fold.map(String.init) ?? "all")
        })
        guard case .object(let fields) = row.source else { return XCTFail() }
        XCTAssertEqual(fields["value"], .number(first.mean))
        XCTAssertEqual(fields["ci_low"], .number(first.ciLow))
        XCTAssertEqual(fields["dataset"], .string(offline.provenance.dataset.name))
        // Idempotent: the same runs give the same ids (and bytes); another time stamp keeps the ids.
        XCTAssertEqual(ElasticsearchExport.bulk(runs), text)
        var later = runs[0]; later.time = "2026-12-01T00:00:00Z"
        XCTAssertEqual(ElasticsearchExport.documents(later).map(\.id), docs.map(\.id))
    }

    /// Interleaving runs export too: teams' credited plays as metric rows, each pair's preference as a
    /// comparison, the cumulative preference by day; every field is mapped by the (strict) template.
    func testInterleavingRunExportsPairsAndDailyPreference() throws {
        guard case .offline(let offline) = try Self.golden("metrics.json") else { return XCTFail("golden kind") }
        let doc = InterleavingResults(
            runId: "run-il", name: "il", provenance: offline.provenance, days: 2, alpha: 0.05, world: "synthetic",
            method: "team-draft", credit: "plays", users: 40,
            teams: [InterleavingTeam(name: "ease", strategy: "ease", parameters: [:], impressions: 90, creditedPlays: 31, creditedMinutes: 700),
                    InterleavingTeam(name: "pop", strategy: "most-popular", parameters: [:], impressions: 90, creditedPlays: 20, creditedMinutes: 450)],
            pairs: [InterleavingPair(a: "ease", b: "pop", wins: 20, losses: 9, ties: 11, preference: 0.275, ciLow: 0.05, ciHigh: 0.5,
                                     pValue: 0.03, pAdjusted: 0.03, significant: true, winner: "ease")],
            daily: [InterleavingDaily(day: 0, a: "ease", b: "pop", users: 25, preference: 0.2, ciLow: -0.1, ciHigh: 0.5, pValue: 0.2),
                    InterleavingDaily(day: 1, a: "ease", b: "pop", users: 40, preference: 0.275, ciLow: 0.05, ciHigh: 0.5, pValue: 0.03)],
            assumptions: [])
        let docs = ElasticsearchExport.documents(ExportRun(document: .interleaving(doc), time: "2026-11-30T10:00:00Z", timeSource: "created_at"))
        XCTAssertEqual(docs.filter { $0.index == ElasticsearchExport.runsIndex }.count, 1)
        XCTAssertEqual(docs.filter { $0.index == ElasticsearchExport.metricsIndex }.count, 4)
        XCTAssertEqual(docs.filter { $0.index == ElasticsearchExport.dailyIndex }.count, 2)
        let pair = try XCTUnwrap(docs.first { $0.index == ElasticsearchExport.comparisonsIndex })
        guard case .object(let fields) = pair.source else { return XCTFail("document shape") }
        XCTAssertEqual(fields["lift"], .number(0.275))
        XCTAssertEqual(fields["arm"], .string("ease"))
        XCTAssertEqual(fields["control"], .string("pop"))
        XCTAssertEqual(fields["significant"], .bool(true))
        guard case .object(let template) = ElasticsearchExport.indexTemplate(), case .object(let inner)? = template["template"],
              case .object(let mappings)? = inner["mappings"], case .object(let properties)? = mappings["properties"] else {
            return XCTFail("template shape")
        }
        for d in docs {
            guard case .object(let f) = d.source else { return XCTFail("document shape") }
            for key in f.keys { XCTAssertNotNil(properties[key], "\(d.index): field \(key) is not in the index template") }
        }
    }

    func testHostileNamesStayInsideTheirJSONStrings() throws {
        guard case .offline(var d) = try Self.golden("metrics.json") else { return XCTFail() }
        let hostile = "x\"},{\"index\":{\"_index\":\"evil\"}}\n<script>alert('&')</script>\\\u{2028}\u{0}"
        d.results[0].strategy = hostile
        d.name = hostile
        let text = ElasticsearchExport.bulk([ExportRun(document: .offline(d), time: "2026-11-30T10:00:00Z", timeSource: "created_at")])
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, 2 * (1 + d.results.count), "a line break in a name must not split a document")
        for line in lines { XCTAssertNotNil(Self.json(line), String(line)) }
        let doc = try XCTUnwrap(Self.json(lines[lines.startIndex + 3]))
        XCTAssertEqual(doc["strategy"] as? String, hostile)
        XCTAssertEqual(doc["run_name"] as? String, hostile)
        XCTAssertFalse(text.contains("\"_index\":\"evil\""))
    }

    func testKibanaSavedObjectsFollowTheImportFormat() throws {
        let text = KibanaObjects.ndjson()
        XCTAssertTrue(text.hasSuffix("\n"))
        let objects = try text.split(separator: "\n").map { try XCTUnwrap(Self.json($0), String($0)) }
        var byKey: [String: [String: Any]] = [:]
        for o in objects {
            let type = try XCTUnwrap(o["type"] as? String), id = try XCTUnwrap(o["id"] as? String)
            XCTAssertNotNil(o["attributes"] as? [String: Any], id)
            XCTAssertNotNil(o["references"] as? [[String: Any]], id)
            XCTAssertNil(byKey[type + "/" + id], "duplicate \(type)/\(id)")
            byKey[type + "/" + id] = o
        }
        // A data view per index, with the time field.
        for index in ElasticsearchExport.indices {
            let dv = try XCTUnwrap(byKey["index-pattern/" + KibanaObjects.dataViewId(index)], index)
            let attributes = try XCTUnwrap(dv["attributes"] as? [String: Any])
            XCTAssertEqual(attributes["title"] as? String, index)
            XCTAssertEqual(attributes["timeFieldName"] as? String, "@timestamp")
        }
        func references(_ o: [String: Any]) -> [[String: Any]] { o["references"] as? [[String: Any]] ?? [] }
        // Every reference points at an object in the file, of the referenced type.
        for o in objects {
            for r in references(o) {
                let type = try XCTUnwrap(r["type"] as? String), id = try XCTUnwrap(r["id"] as? String)
                XCTAssertNotNil(r["name"] as? String)
                XCTAssertNotNil(byKey[type + "/" + id], "\(o["id"]!) references missing \(type)/\(id)")
            }
        }
        // Visualizations: visState and searchSourceJSON parse; the data view comes through indexRefName.
        let fieldsOf = { (index: String) -> Set<String> in
            let docs = ElasticsearchExport.documents(ExportRun(document: try! Self.golden(index == ElasticsearchExport.metricsIndex ? "metrics.json" : "ab.json"),
                                                               time: "2026-11-30T10:00:00Z", timeSource: "created_at"))
            return Set(docs.filter { $0.index == index }.flatMap { d -> [String] in if case .object(let f) = d.source { return Array(f.keys) }; return [] })
        }
        let visualizations = objects.filter { $0["type"] as? String == "visualization" }
        XCTAssertGreaterThanOrEqual(visualizations.count, 4)
        for v in visualizations {
            let attributes = try XCTUnwrap(v["attributes"] as? [String: Any])
            XCTAssertNotNil(attributes["title"] as? String)
            let visState = try XCTUnwrap(Self.json(Substring(try XCTUnwrap(attributes["visState"] as? String))))
            XCTAssertNotNil(visState["type"] as? String)
            let aggs = try XCTUnwrap(visState["aggs"] as? [[String: Any]])
            let meta = try XCTUnwrap(attributes["kibanaSavedObjectMeta"] as? [String: Any])
            let source = try XCTUnwrap(Self.json(Substring(try XCTUnwrap(meta["searchSourceJSON"] as? String))))
            let refName = try XCTUnwrap(source["indexRefName"] as? String)
            let ref = try XCTUnwrap(references(v).first { $0["name"] as? String == refName })
            XCTAssertEqual(ref["type"] as? String, "index-pattern")
            // Aggregations use fields the documents of that data view have.
            let index = String((ref["id"] as! String).dropFirst("reclab-dv-".count))
            let fields = fieldsOf(index)
            for a in aggs {
                if let field = (a["params"] as? [String: Any])?["field"] as? String {
                    XCTAssertTrue(fields.contains(field), "\(v["id"]!): field \(field) not in \(index) documents")
                }
            }
        }
        // Dashboards: panelsJSON parses, every panelRefName is a reference to a visualization in the file.
        for id in ["reclab-dashboard-offline", "reclab-dashboard-ab"] {
            let dash = try XCTUnwrap(byKey["dashboard/" + id])
            let attributes = try XCTUnwrap(dash["attributes"] as? [String: Any])
            let panels = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(attributes["panelsJSON"] as? String).utf8)) as? [[String: Any]])
            XCTAssertGreaterThanOrEqual(panels.count, 2)
            for p in panels {
                let refName = try XCTUnwrap(p["panelRefName"] as? String)
                let ref = try XCTUnwrap(references(dash).first { $0["name"] as? String == refName }, refName)
                XCTAssertEqual(ref["type"] as? String, "visualization")
                let grid = try XCTUnwrap(p["gridData"] as? [String: Any])
                for key in ["x", "y", "w", "h"] { XCTAssertNotNil(grid[key] as? Int, key) }
                XCTAssertEqual(grid["i"] as? String, p["panelIndex"] as? String)
            }
            XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(attributes["optionsJSON"] as? String).utf8)))
        }
    }

    // MARK: - The bulk client against the loopback server

    final class Delays: @unchecked Sendable {
        // `@unchecked Sendable`: guarded by the lock; the client calls `sleep` on the test's thread anyway.
        private let lock = NSLock()
        private var values: [Double] = []
        func add(_ d: Double) { lock.lock(); values.append(d); lock.unlock() }
        var all: [Double] { lock.lock(); defer { lock.unlock() }; return values }
    }

    func client(_ server: LoopbackElasticsearch, _ credentials: ESCredentials = .none, delays: Delays) throws -> ElasticsearchClient {
        var c = try ElasticsearchClient(url: server.url, credentials: credentials)
        c.sleep = { delays.add($0) }
        c.baseDelay = 0.25
        return c
    }

    func testBulkClientRetriesReportsItemFailuresAndIsIdempotent() throws {
        let server = try LoopbackElasticsearch()
        defer { server.stop() }
        server.expectedAuthorization = "Basic " + Data("elastic:s3cret".utf8).base64EncodedString()
        let documents = ElasticsearchExport.documents(try Self.runs()[1])
        XCTAssertGreaterThan(documents.count, 50)
        let rejected = [documents[3].id, documents[40].id]
        server.reject(ids: Set(rejected))
        server.throttleOnce(ids: [documents[7].id])
        server.failNextRequests([429, 503])
        let delays = Delays()
        var c = try client(server, .basic(user: "elastic", password: "s3cret"), delays: delays)
        c.maxChunkDocuments = 30
        let outcome = try c.send(documents)
        XCTAssertEqual(outcome.indexed, documents.count - 2)
        XCTAssertEqual(outcome.failures.map(\.id).sorted(), rejected.sorted())
        XCTAssertTrue(outcome.failures.allSatisfy { $0.status == 400 && $0.type == "mapper_parsing_exception" })
        // Chunks of 30; the first chunk answered 429, then 503, then processed with one item throttled and resent.
        let chunks = (documents.count + 29) / 30
        XCTAssertEqual(outcome.requests, chunks + 3)
        XCTAssertEqual(outcome.retries, 3)
        XCTAssertEqual(delays.all, [0.25, 0.5, 1.0], "exponential backoff per chunk attempt")
        XCTAssertEqual(server.documents.count, documents.count - 2)
        let requests = server.requests
        XCTAssertTrue(requests.allSatisfy { $0.path == "/_bulk" && $0.contentType == "application/x-ndjson" })
        XCTAssertTrue(requests.allSatisfy { $0.authorization == server.expectedAuthorization })
        XCTAssertEqual(requests.last?.actions, documents.count - (chunks - 1) * 30)

        // Exporting the same run again replaces its documents: only the two rejected before are added.
        server.reject(ids: [])
        let again = try c.send(documents)
        XCTAssertEqual(again.indexed, documents.count)
        XCTAssertEqual(again.failures, [])
        XCTAssertEqual(server.documents.count, documents.count)
    }

    func testBulkClientStopsOnAuthErrorsAndGivesUpAfterMaxAttempts() throws {
        let server = try LoopbackElasticsearch()
        defer { server.stop() }
        server.expectedAuthorization = "ApiKey right"
        let documents = Array(ElasticsearchExport.documents(try Self.runs()[0]).prefix(5))
        let delays = Delays()
        let wrong = try client(server, .apiKey("wrong"), delays: delays)
        XCTAssertThrowsError(try wrong.send(documents)) { error in
            XCTAssertTrue("\(error)".contains("HTTP 401"), "\(error)")
            XCTAssertTrue("\(error)".contains("security_exception"), "\(error)")
        }
        XCTAssertEqual(server.documents.count, 0)
        XCTAssertEqual(delays.all, [], "401 is not retried")

        server.failNextRequests([503, 503, 503])
        var right = try client(server, .apiKey("right"), delays: delays)
        right.maxAttempts = 3
        XCTAssertThrowsError(try right.send(documents)) { error in
            XCTAssertTrue("\(error)".contains("HTTP 503 3 times"), "\(error)")
            XCTAssertTrue("\(error)".contains("5 documents"), "\(error)")
        }
        XCTAssertEqual(server.documents.count, 0)
    }

    func testClientRefusesUnsafeURLs() {
        XCTAssertThrowsError(try ElasticsearchClient(url: "https://elastic:pw@es.example:9200", credentials: .none))
        XCTAssertThrowsError(try ElasticsearchClient(url: "http://es.example:9200", credentials: .apiKey("k"))) { error in
            XCTAssertTrue("\(error)".contains("plain http"), "\(error)")
        }
        XCTAssertThrowsError(try ElasticsearchClient(url: "ftp://es.example", credentials: .none))
        XCTAssertThrowsError(try ElasticsearchClient(url: "https://es.example:9200/?x=1", credentials: .none))
        XCTAssertNoThrow(try ElasticsearchClient(url: "https://es.example:9200", credentials: .apiKey("k")))
        XCTAssertNoThrow(try ElasticsearchClient(url: "http://127.0.0.1:9200", credentials: .basic(user: "u", password: "p")))
    }
}
