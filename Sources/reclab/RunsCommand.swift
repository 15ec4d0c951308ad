import ArgumentParser
import Foundation
import RecLabCore
import RecLabReport
import RecLabResults
import RecLabStore

/// `reclab runs`: what the results stores hold.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List and show experiment runs recorded in a results store.",
        discussion: """
            Without --results, reads every results.sqlite where RecLab records by default: \
            reports/runs/*/ (`reclab run`), reports/ab/*/ (`reclab simulate`), reports/ope/*/ (`reclab ope`) \
            and reports/*/ (for example the demo's).

            Examples:
              reclab runs list
              reclab runs show offline-1c65 --results out/tiny/results.sqlite
            """,
        subcommands: [List.self, Show.self]
    )

    struct StoreOption: ParsableArguments {
        @Option(name: .long, help: "Results store (default: every results.sqlite in reports/, reports/runs/*, reports/ab/* and reports/ope/*).")
        var results: String?

        func stores() throws -> [String] {
            if let results {
                guard FileManager.default.fileExists(atPath: results) else { throw RecLabError.io("results store not found", file: results) }
                return [results]
            }
            var paths: [String] = []
            // The default folders of run, simulate and ope, and reports/ itself (the demo records there).
            for root in ["reports", "reports/runs", "reports/ab", "reports/ope"] {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
                paths += names.sorted().map { "\(root)/\($0)/results.sqlite" }.filter { FileManager.default.fileExists(atPath: $0) }
            }
            guard !paths.isEmpty else {
                throw RecLabError.io("no results store found (reports/*/results.sqlite, reports/runs/*/results.sqlite, reports/ab/*/results.sqlite, "
                                     + "reports/ope/*/results.sqlite); pass --results DB", file: "reports")
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
                // Columns as wide as their longest entry: ids and names are never cut.
                let table = [["id", "kind", "recorded", "name", "dataset", "seed", "store"]]
                    + rows.map { r, path in [r.id, r.kind, r.recordedAt, r.name, r.datasetName, String(r.seed), path] }
                let widths = (0..<table[0].count).map { c in table.map { $0[c].count }.max() ?? 0 }
                for row in table {
                    let cells = zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                    print(cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a run's provenance and its table (offline metrics, A/B lifts or OPE estimates).")
        @Argument(help: "Run id (or a unique prefix).")
        var id: String
        @OptionGroup var store: StoreOption

        func run() throws {
            try reportingErrors {
                var found: (id: String, kind: String, data: Data, store: String)?
                for path in try store.stores() {
                    // An ambiguous prefix or an unreadable store is reported, not taken for "no such run".
                    if let doc = try ResultsStore(readingFrom: path).documentIfPresent(id: id) {
                        found = (doc.id, doc.kind, doc.data, path); break
                    }
                }
                guard let doc = found else { throw RecLabError.usage("no run '\(id)' in the results store(s)") }
                guard ["offline", "ab", "ope", "interleaving"].contains(doc.kind) else {
                    // A kind this version does not know: the stored document as it is.
                    print(String(decoding: doc.data, as: UTF8.self))
                    return
                }
                // The stored document is untrusted like any other: decoded and checked by the one reader.
                print(ConsoleTables.runDetail(try ResultDocument.stored((doc.id, doc.kind, doc.data), in: doc.store)))
            }
        }
    }
}
