import ArgumentParser
import Foundation
import RecLabCore
import RecLabStore

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a dataset store: counts, sparsity, rating histogram, activity quantiles, time span, content hash.",
        discussion: """
            Every figure is computed from the store itself. Quantiles (min, 25%, 50%, 75%, 90%, 99%, max) \
            of interactions per user and per movie count users and movies without interactions as 0 \
            (Hyndman & Fan definition 7, as NumPy's default). content_hash is equal for equal data, \
            whatever the order of the imported files.
            --json prints the same figures as one JSON object (keys users, movies, ratings, tags, events, \
            content_hash, ...).

            Examples:
              reclab inspect mls.sqlite
              reclab inspect mls.sqlite --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["ratings"])'
            """)

    @Argument(help: "Dataset store (written by 'reclab import' or 'reclab generate').")
    var db: String

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        try reportingErrors {
            let r = try DatasetInspection.compute(path: db)
            if json {
                let e = JSONEncoder()
                e.keyEncodingStrategy = .convertToSnakeCase
                e.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try e.encode(r), as: UTF8.self))
                return
            }
            print("dataset       \(r.name)")
            print("source        \(r.source)")
            print("content_hash  \(r.contentHash)")
            print("users         \(grouped(r.users))")
            print("movies        \(grouped(r.movies))")
            print("interactions  \(grouped(r.interactions))")
            print("  ratings     \(grouped(r.ratings))")
            print("  events      \(grouped(r.events))")
            print("tags          \(grouped(r.tags))")
            print(String(format: "sparsity      %.4f%% empty (%@ user-movie pairs of %@)", 100 * r.sparsity,
                         grouped(r.pairs), grouped(r.users * r.movies)))
            if let first = r.firstDate, let last = r.lastDate {
                print(String(format: "time span     %@ .. %@ (%.0f days)", first, last, r.spanDays))
            }
            if !r.ratingHistogram.isEmpty {
                print(String(format: "ratings       mean %.3f", r.meanRating ?? .nan))
                let top = r.ratingHistogram.map(\.count).max() ?? 1
                for bin in r.ratingHistogram {
                    let bar = String(repeating: "#", count: max(1, Int((40 * Double(bin.count) / Double(top)).rounded())))
                    let count = grouped(bin.count)
                    print(String(format: "  %4.1f  ", bin.rating) + String(repeating: " ", count: max(0, 11 - count.count)) + count + "  " + bar)
                }
            }
            print("quantiles          min     25%     50%     75%     90%     99%     max    mean")
            for (label, q) in [("per user ", r.interactionsPerUser), ("per movie", r.interactionsPerMovie)] {
                print(String(format: "  %@ %7.0f %7.1f %7.1f %7.1f %7.1f %7.1f %7.0f %7.1f", label,
                             q.min, q.p25, q.p50, q.p75, q.p90, q.p99, q.max, q.mean))
            }
            if !r.warnings.isEmpty {
                print("warnings      \(r.warnings.count)")
                for w in r.warnings { print("  \(w)") }
            }
        }
    }
}
