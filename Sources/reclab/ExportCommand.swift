import ArgumentParser
import Foundation
import RecLabApp
import RecLabCore
import RecLabExport
import RecLabReport
import RecLabResults
import RecLabStore

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export runs to Elasticsearch (bulk NDJSON file or a cluster) and write Kibana dashboards.",
        discussion: """
            Each RUN is an output folder of `reclab run`, `simulate` or `ope` (or the result file in it), or a run \
            id (or unique prefix) in the results store given with --results.

            --format es-bulk --out FILE.ndjson writes the runs as Elasticsearch bulk NDJSON (an index action line \
            and a document line per document) into the indices reclab-runs, reclab-metrics, reclab-ab-daily and \
            reclab-ab-comparisons, and the index template (mappings) beside it as FILE.index-template.json. \
            Document ids hash the run id and the row, so exporting a run again replaces its documents.

            --es URL sends the same documents to the cluster at URL (POST URL/_bulk). Credentials come from the \
            environment only: RECLAB_ES_USER and RECLAB_ES_PASSWORD (basic auth) or RECLAB_ES_API_KEY (API key); \
            over http only to this machine. TLS certificates are always verified. 429 and 5xx answers are retried \
            with exponential backoff; documents Elasticsearch rejects are listed and the command exits non-zero.

            --kibana FILE.ndjson writes Kibana saved objects (data views and two dashboards, offline comparisons and \
            A/B tests) for Stack Management > Saved objects > Import or POST /api/saved_objects/_import. \
            See docs/export.md.

            Examples:
              reclab export out/tiny --format es-bulk --out out/export/tiny.ndjson
              reclab export --kibana out/export/kibana.ndjson
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case esBulk = "es-bulk" }

    @Argument(help: ArgumentHelp("Run folders, result files, or run ids in the results store.", valueName: "RUN"))
    var runs: [String] = []

    @Option(name: .long, help: ArgumentHelp("Output format of --out.", valueName: "FORMAT"))
    var format: Format = .esBulk

    @Option(name: .long, help: ArgumentHelp("Write the bulk NDJSON here (and FILE.index-template.json beside it).", valueName: "FILE.ndjson"))
    var out: String?

    @Option(name: .long, help: ArgumentHelp("Send the documents to the Elasticsearch cluster at URL (POST URL/_bulk).", valueName: "URL"))
    var es: String?

    @Option(name: .long, help: ArgumentHelp("Write Kibana saved objects (data views, dashboards) here.", valueName: "FILE.ndjson"))
    var kibana: String?

    @Option(name: .long, help: ArgumentHelp("Results store (SQLite) to look run ids up in.", valueName: "DB"))
    var results: String?

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if out == nil && es == nil && kibana == nil {
            throw ValidationError("nothing to do: give --out FILE.ndjson, --es URL and/or --kibana FILE.ndjson")
        }
        if (out != nil || es != nil) && runs.isEmpty {
            throw ValidationError("--out and --es export runs: name at least one RUN")
        }
        if !runs.isEmpty && out == nil && es == nil {
            throw ValidationError("RUN given but neither --out nor --es: say where the documents go")
        }
        for path in [out, kibana].compactMap({ $0 }) where !path.hasSuffix(".ndjson") {
            throw ValidationError("\(path): the file name must end in .ndjson")
        }
        if let out, let kibana, URL(fileURLWithPath: out).standardizedFileURL == URL(fileURLWithPath: kibana).standardizedFileURL {
            throw ValidationError("--out and --kibana name the same file")
        }
    }

    func run() throws {
        try reportingErrors { try common.withContext(provenance: false) { context in
            // Everything is checked before anything is written or sent.
            let client = try es.map { try ElasticsearchClient(url: $0, credentials: try ExportCommand.credentials(ProcessInfo.processInfo.environment)) }
            let outputs = [out, kibana].compactMap { $0 }.map { URL(fileURLWithPath: $0) }
            for file in outputs + (out.map { [ExportCommand.templateURL($0)] } ?? []) {
                try OutputLocation.checkFolder(file.deletingLastPathComponent().path)
                if let type = (try? FileManager.default.attributesOfItem(atPath: file.path))?[.type] as? FileAttributeType, type != .typeRegular {
                    throw RecLabError.io("exists and is not a regular file", file: file.path)
                }
            }
            let exported = try runs.map(resolve)
            let documents = exported.flatMap(ElasticsearchExport.documents)

            if let out {
                try ExportCommand.writeAtomically(documents.map(\.bulkLines).joined(), to: URL(fileURLWithPath: out))
                try ExportCommand.writeAtomically(ElasticsearchExport.indexTemplate().text + "\n", to: ExportCommand.templateURL(out))
                print("wrote \(out) (\(documents.count) documents from \(exported.count) run\(exported.count == 1 ? "" : "s")) and \(ExportCommand.templateURL(out).path)")
            }
            if let kibana {
                try ExportCommand.writeAtomically(KibanaObjects.ndjson(), to: URL(fileURLWithPath: kibana))
                print("wrote \(kibana) (Kibana saved objects: \(KibanaObjects.objects().count))")
            }
            if var client {
                let log = context.log
                client.log = { log.info("\($0)") }
                let outcome = try client.send(documents)
                print("sent \(documents.count) documents to \(client.baseURL.absoluteString) in \(outcome.requests) request\(outcome.requests == 1 ? "" : "s") " +
                      "(\(outcome.retries) retr\(outcome.retries == 1 ? "y" : "ies")): \(outcome.indexed) indexed, \(outcome.failures.count) failed")
                if !outcome.failures.isEmpty {
                    for f in outcome.failures {
                        printError("reclab: error: \(f.index)/\(f.id): HTTP \(f.status) \(SafeName.printable(f.type)): \(SafeName.printable(f.reason))")
                    }
                    throw RecLabError.io("\(outcome.failures.count) of \(documents.count) documents were not indexed (listed above)", file: client.baseURL.absoluteString)
                }
            }
        } }
    }

    /// A RUN with the time its documents carry.
    func resolve(_ reference: String) throws -> ExportRun {
        let document = try ResultDocument.resolve(reference, resultsStore: results)
        if let created = document.provenance.createdAt { return ExportRun(document: document, time: created, timeSource: "created_at") }
        if FileManager.default.fileExists(atPath: reference) {
            var path = reference
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: reference, isDirectory: &isDir), isDir.boolValue {
                path = ["metrics.json", "ab.json", "ope.json"].map { (reference as NSString).appendingPathComponent($0) }
                    .first { FileManager.default.fileExists(atPath: $0) } ?? reference
            }
            let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date ?? Date(timeIntervalSince1970: 0)
            return ExportRun(document: document, time: ExportCommand.iso8601(modified), timeSource: "file_mtime")
        }
        if let db = results, let summary = try ResultsStore(readingFrom: db).runs().first(where: { $0.id == document.runId }) {
            return ExportRun(document: document, time: summary.recordedAt, timeSource: "recorded_at")
        }
        throw RecLabError.input("run \(document.runId) records no time (neither in its document nor in a results store)", file: reference)
    }

    static func iso8601(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    static func templateURL(_ out: String) -> URL {
        let url = URL(fileURLWithPath: out)
        return url.deletingPathExtension().appendingPathExtension("index-template.json")
    }

    /// Credentials from the environment, never from the command line.
    static func credentials(_ env: [String: String]) throws -> ESCredentials {
        let user = env["RECLAB_ES_USER"].flatMap { $0.isEmpty ? nil : $0 }
        let password = env["RECLAB_ES_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        let key = env["RECLAB_ES_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        if key != nil && (user != nil || password != nil) {
            throw RecLabError.usage("both RECLAB_ES_API_KEY and RECLAB_ES_USER/RECLAB_ES_PASSWORD are set; set one way to authenticate")
        }
        if let key { return .apiKey(key) }
        switch (user, password) {
        case let (u?, p?):
            guard !u.contains(":") else { throw RecLabError.usage("RECLAB_ES_USER must not contain ':' (basic auth separates user and password with it)") }
            return .basic(user: u, password: p)
        case (nil, nil): return .none
        default: throw RecLabError.usage("set both RECLAB_ES_USER and RECLAB_ES_PASSWORD for basic auth (only one is set)")
        }
    }

    static func writeAtomically(_ text: String, to url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw RecLabError.io("cannot write: \(error.localizedDescription)", file: url.path)
        }
    }
}
