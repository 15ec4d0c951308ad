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
              reclab generate --out demo-world.sqlite --config datasets/small.yaml
              reclab generate --out t.sqlite --config datasets/tiny.yaml --users 50 --seed 3 --force
            """)

    @Option(name: .long, help: ArgumentHelp("Output dataset store (SQLite file).", valueName: "DB"))
    var out: String

    @Option(name: .long, help: ArgumentHelp("World config YAML; defaults to the built-in small world's defaults.", valueName: "PATH"))
    var config: String?

    // `.unconditional`: a negative value (`--users -3`) is read as the option's value and rejected with
    // the range, instead of being taken for another flag ("Missing value").
    @Option(name: .long, parsing: .unconditional,
            help: "Number of users (overrides the config), \(SyntheticConfig.usersRange.lowerBound)...\(SyntheticConfig.usersRange.upperBound).")
    var users: Int?

    @Option(name: .long, parsing: .unconditional,
            help: "Number of movies (overrides the config), \(SyntheticConfig.moviesRange.lowerBound)...\(SyntheticConfig.moviesRange.upperBound).")
    var movies: Int?

    @Option(name: .long, parsing: .unconditional,
            help: "Number of logged days (overrides the config), \(SyntheticConfig.daysRange.lowerBound)...\(SyntheticConfig.daysRange.upperBound).")
    var days: Int?

    @Option(name: .long, parsing: .unconditional, help: "Random seed (overrides the config's seed), 0 or more.")
    var seed: Int64?

    @Flag(name: .long, help: "Replace an existing output file.")
    var force = false

    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors { try common.withContext(provenance: false) { context in
            // The flags get the same ranges as the config keys they override, checked before any reading.
            for (flag, value, range) in [("--users", users, SyntheticConfig.usersRange), ("--movies", movies, SyntheticConfig.moviesRange),
                                         ("--days", days, SyntheticConfig.daysRange)] {
                if let value, !range.contains(value) {
                    throw RecLabError.usage("\(flag) must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
                }
            }
            if let seed, seed < 0 { throw RecLabError.usage("--seed must be 0 or more, got \(seed)") }
            var cfg = try config.map { try SyntheticConfig.load(path: $0) } ?? SyntheticConfig()
            if let users { cfg.users = users }
            if let movies { cfg.movies = movies }
            if let days { cfg.days = days }
            do { try cfg.validate() } catch let e as RecLabError {
                // Name the config file when the sizes came from it, the flags when they were overridden.
                throw e.located(file: config)
            }
            let seed = seed.map { UInt64($0) } ?? cfg.seed
            // Refuse early, before spending time generating.
            try DatasetStore.checkOutput(out, force: force)
            let progress = context.progress("generate", total: cfg.users)
            let content = SyntheticGenerator.generate(cfg, seed: seed, progress: progress)
            progress.finish()
            let hash = try DatasetStore.write(content, to: out, force: force)
            print("generated \(content.name) (seed \(seed)) -> \(out)")
            print("users:        \(content.users.count)")
            print("movies:       \(content.movies.count)")
            print("events:       \(content.eventCount)")
            print("ratings:      \(content.ratingCount)")
            print("content_hash: \(hash)")
        } }
    }
}
