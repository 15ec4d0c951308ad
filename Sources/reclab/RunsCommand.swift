import ArgumentParser
import Foundation
import RecLabCore
import RecLabEval
import RecLabStore

/// `reclab runs`: what the results stores hold.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List and show experiment runs recorded in a results store.",
        discussion: """
            Without --results, reads every reports/runs/*/results.sqlite (where `reclab run` records by default) \
            and reports/*/results.sqlite (for example the demo's).

            Examples: reclab runs list; reclab runs show offline-1a2b3c --results results.sqlite
            """,
        subcommands: [List.self, Show.self]
    )

    struct StoreOption: ParsableArguments {
        @Option(name: .long, help: "Results store (default: every reports/runs/*/results.sqlite and reports/*/results.sqlite).")
        var results: String?

        func stores() throws -> [String] {
            if let results {
                guard FileManager.default.fileExists(atPath: results) else { throw RecLabError.io("results store not found", file: results) }
                return [results]
            }
            var paths: [String] = []
            for root in ["reports", "reports/runs"] {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
                paths += names.sorted().map { "\(root)/\($0)/results.sqlite" }.filter { FileManager.default.fileExists(atPath: $0) }
            }
            guard !paths.isEmpty else {
                throw RecLabError.io("no results store found (reports/*/results.sqlite, reports/runs/*/results.sqlite); pass --results DB", file: "reports")
            }
            return paths
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List recorded runs, newest first.")
        @OptionGroup var store: StoreOption

        func run() throws {
            try reportingErrors {
                var rows: [(RunSummary, String)] = []
                for path in try store.stores() { rows += try ResultsStore(readingFrom: path).runs().map { ($0, path) } }
                rows.sort { $0.0.recordedAt > $1.0.recordedAt }
                print("id                   kind     recorded              name                 dataset          seed  store")
                for (r, path) in rows {
                    print([r.id.padding(toLength: 20, withPad: " ", startingAt: 0), r.kind.padding(toLength: 8, withPad: " ", startingAt: 0),
                           r.recordedAt.padding(toLength: 21, withPad: " ", startingAt: 0), r.name.padding(toLength: 20, withPad: " ", startingAt: 0),
                           r.datasetName.padding(toLength: 16, withPad: " ", startingAt: 0), String(r.seed), path].joined(separator: " "))
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a run's provenance and metric table.")
        @Argument(help: "Run id (or a unique prefix).")
        var id: String
        @OptionGroup var store: StoreOption

        func run() throws {
            try reportingErrors {
                var found: (id: String, kind: String, data: Data)?
                for path in try store.stores() {
                    if let doc = try? ResultsStore(readingFrom: path).document(id: id) { found = doc; break }
                }
                guard let doc = found else { throw RecLabError.usage("no run '\(id)' in the results store(s)") }
                guard doc.kind == "offline" else {
                    print(String(decoding: doc.data, as: UTF8.self))
                    return
                }
                let d: OfflineResults
                do { d = try ResultJSON.decoder().decode(OfflineResults.self, from: doc.data) } catch {
                    throw RecLabError.data("run \(doc.id): stored document is not a readable metrics.json (\(error))")
                }
                let p = d.provenance
                print("run        \(d.runId)  (\(d.name))")
                print("config     \(p.configPath ?? "-")  sha256 \(p.configHash)")
                print("dataset    \(p.dataset.name): \(p.dataset.users) users, \(p.dataset.movies) movies, \(p.dataset.interactions) interactions")
                print("           content_hash \(p.dataset.contentHash)")
                print("split      \(d.split.method) \(d.split.parameters.keys.sorted().map { "\($0)=\(d.split.parameters[$0]!)" }.joined(separator: " ")), \(d.split.folds) fold(s)")
                print("relevance  \(d.relevanceThreshold.map { "rating >= \($0)" } ?? "any test interaction")")
                print("seed       \(p.seed)   RecLab \(p.reclabVersion)   commit \(p.gitCommit ?? "unknown")   at \(p.createdAt ?? "-")")
                for s in d.strategies {
                    let params = s.parameters.keys.sorted().map { "\($0)=\(s.parameters[$0]!)" }.joined(separator: ", ")
                    print("strategy   \(s.name): \(s.type)\(params.isEmpty ? "" : " (\(params))")")
                }
                print("")
                print(ResultFiles.table(d))
            }
        }
    }
}
