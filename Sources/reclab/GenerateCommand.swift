import ArgumentParser
import Foundation
import RecLabCore
import RecLabStore
import RecLabSynthetic

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a synthetic world (users, movies, viewing logs, ground truth) into a dataset store.",
        discussion: """
            The world is drawn from a config (datasets/tiny.yaml, small.yaml, large.yaml, or your own; \
            see README "Synthetic worlds"); --users/--movies/--days/--seed override the config's values. \
            The same config and seed always give the same content_hash. The ground truth (true \
            affinities and behaviour model) is stored with the data for `reclab simulate`.

            Examples:
              reclab generate --out small.sqlite --config datasets/small.yaml
              reclab generate --out t.sqlite --config datasets/tiny.yaml --users 50 --seed 3 --force
            """)

    @Option(name: .long, help: ArgumentHelp("Output dataset store (SQLite file).", valueName: "DB"))
    var out: String

    @Option(name: .long, help: ArgumentHelp("World config YAML; defaults to the built-in small world's defaults.", valueName: "PATH"))
    var config: String?

    @Option(name: .long, help: "Number of users (overrides the config).")
    var users: Int?

    @Option(name: .long, help: "Number of movies (overrides the config).")
    var movies: Int?

    @Option(name: .long, help: "Number of logged days (overrides the config).")
    var days: Int?

    @Option(name: .long, help: "Random seed (overrides the config's seed).")
    var seed: UInt64?

    @Flag(name: .long, help: "Replace an existing output file.")
    var force = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if let users, users < 1 { throw ValidationError("--users must be at least 1") }
        if let movies, movies < 1 { throw ValidationError("--movies must be at least 1") }
        if let days, days < 1 { throw ValidationError("--days must be at least 1") }
    }

    func run() throws {
        common.apply()
        try reportingErrors {
            var cfg = try config.map { try SyntheticConfig.load(path: $0) } ?? SyntheticConfig()
            if let users { cfg.users = users }
            if let movies { cfg.movies = movies }
            if let days { cfg.days = days }
            try cfg.validate()
            let seed = seed ?? cfg.seed
            // Refuse early, before spending time generating.
            try DatasetStore.checkOutput(out, force: force)
            let progress = ProgressReporter("generate", total: cfg.users)
            let content = SyntheticGenerator.generate(cfg, seed: seed, progress: progress)
            progress.finish()
            let hash = try DatasetStore.write(content, to: out, force: force)
            print("generated \(content.name) (seed \(seed)) -> \(out)")
            print("users:        \(content.users.count)")
            print("movies:       \(content.movies.count)")
            print("events:       \(content.eventCount)")
            print("ratings:      \(content.ratingCount)")
            print("content_hash: \(hash)")
        }
    }
}
