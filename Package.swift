// swift-tools-version:6.0
// RecLab: recommender-system simulation and evaluation lab.
// The module graph and its rules are docs/architecture.md (ArchitectureTests checks this file against it):
// pure engines (Eval, Sim, ...) take a plan, in-memory data and a RunContext and return documents; the
// application layer (RecLabApp) does the I/O; Results holds the documents, Store persists them, Report renders them.
import PackageDescription

let package = Package(
    name: "RecLab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "reclab", targets: ["reclab"]),
        .executable(name: "reclab-bench", targets: ["reclab-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // System libraries (Debian: libsqlite3-dev, libopenblas-dev).
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", providers: [.apt(["libopenblas-dev"])]),

        // Entities, in-memory dataset and sparse matrices, RNG, hashing, errors.
        .target(name: "RecLabCore", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
        ]),
        // Result documents (metrics.json, ab.json, ope.json): types, JSON settings, decoding, metric direction.
        .target(name: "RecLabResults", dependencies: ["RecLabCore"]),
        // SQLite access layer: connection, a migrator per kind of store, dataset store, results store.
        .target(name: "RecLabStore", dependencies: ["RecLabCore", "RecLabResults", "CSQLite"]),
        // MovieLens importers and pseudonymisation.
        .target(name: "RecLabImport", dependencies: ["RecLabCore", "RecLabStore"]),
        // Ground-truth synthetic world and log generator.
        .target(name: "RecLabSynthetic", dependencies: ["RecLabCore", "RecLabConfig"]),
        // Train/test splits as index views.
        .target(name: "RecLabSplits", dependencies: ["RecLabCore", "RecLabConfig"]),
        // Distributions, confidence intervals and hypothesis tests.
        .target(name: "RecLabStats"),
        // Recommender protocol and strategies.
        .target(name: "RecLabStrategies", dependencies: ["RecLabCore", "CBLAS"]),
        // YAML config reading with key/line-aware errors.
        .target(name: "RecLabConfig", dependencies: ["RecLabCore", .product(name: "Yams", package: "Yams")]),
        // What every config kind shares: the header (name, seed, dataset block) read by one parser.
        .target(name: "RecLabPlan", dependencies: ["RecLabCore", "RecLabConfig", "RecLabSynthetic"]),
        // Offline evaluation: metrics, experiment configs, runner.
        .target(name: "RecLabEval", dependencies: [
            "RecLabCore", "RecLabResults", "RecLabPlan", "RecLabSplits", "RecLabStats", "RecLabStrategies", "RecLabConfig",
        ]),
        // A/B simulation and off-policy evaluation.
        .target(name: "RecLabSim", dependencies: [
            "RecLabCore", "RecLabResults", "RecLabPlan", "RecLabSynthetic", "RecLabStats",
            "RecLabStrategies", "RecLabConfig",
        ]),
        // The application layer: run context from flags and environment, dataset sources, run recording.
        .target(name: "RecLabApp", dependencies: [
            "RecLabCore", "RecLabResults", "RecLabStore", "RecLabImport", "RecLabSynthetic", "RecLabConfig",
            "RecLabPlan", "RecLabEval", "RecLabSim", .product(name: "Logging", package: "swift-log"),
        ]),
        // Rendering of results: console tables, reports, gnuplot charts, regression gate.
        .target(name: "RecLabReport", dependencies: ["RecLabCore", "RecLabResults", "RecLabStore", "RecLabStats"]),
        .executableTarget(name: "reclab", dependencies: [
            "RecLabCore", "RecLabResults", "RecLabStore", "RecLabImport", "RecLabSynthetic", "RecLabSplits",
            "RecLabStrategies", "RecLabConfig", "RecLabEval", "RecLabSim", "RecLabReport", "RecLabApp",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "reclab-bench", dependencies: [
            "RecLabCore", "RecLabStore", "RecLabImport", "RecLabSynthetic", "RecLabSplits",
            "RecLabStrategies", "RecLabConfig", "RecLabEval", "RecLabSim", "RecLabStats", "RecLabApp",
        ]),

        // Shared test helpers: temp folders, the shared datasets (skipping when absent), the CLI binary.
        .target(name: "RecLabTestSupport", dependencies: ["RecLabCore"], path: "Tests/RecLabTestSupport"),

        .testTarget(name: "RecLabCoreTests", dependencies: ["RecLabCore", "RecLabTestSupport"]),
        .testTarget(name: "RecLabStoreTests", dependencies: ["RecLabTestSupport", "RecLabResults", "RecLabStore", "RecLabImport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "RecLabSyntheticTests", dependencies: ["RecLabTestSupport", "RecLabSynthetic", "RecLabSplits", "RecLabStore", "RecLabImport", "RecLabConfig"]),
        .testTarget(name: "RecLabStatsTests", dependencies: ["RecLabTestSupport", "RecLabStats"]),
        .testTarget(name: "RecLabStrategiesTests", dependencies: ["RecLabTestSupport", "RecLabStrategies", "RecLabSplits", "RecLabImport", "RecLabStore"]),
        .testTarget(name: "RecLabEvalTests", dependencies: ["RecLabTestSupport", "RecLabEval", "RecLabResults", "RecLabReport", "RecLabApp"]),
        .testTarget(name: "RecLabSimTests", dependencies: ["RecLabTestSupport", "RecLabSim", "RecLabEval", "RecLabPlan", "RecLabResults", "RecLabApp"]),
        .testTarget(name: "RecLabReportTests", dependencies: ["RecLabTestSupport", "RecLabReport", "RecLabResults", "RecLabStore", "RecLabCore", "RecLabStats"]),
        .testTarget(name: "ReclabCLITests", dependencies: ["RecLabTestSupport", "RecLabResults", "RecLabStore"]),
        .testTarget(name: "RecLabAppTests", dependencies: [
            "RecLabTestSupport", "RecLabApp", "RecLabCore", "RecLabEval", "RecLabResults", "RecLabStore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The module rules of docs/architecture.md: engine sources and the Package.swift graph.
        .testTarget(name: "RecLabArchitectureTests", dependencies: ["RecLabTestSupport"]),
        // Bounded fuzzing of the untrusted-input readers (configs, MovieLens files, result documents).
        .testTarget(name: "RecLabFuzzTests", dependencies: [
            "RecLabTestSupport", "RecLabCore", "RecLabConfig", "RecLabSynthetic", "RecLabEval", "RecLabSim",
            "RecLabImport", "RecLabResults", "RecLabStore", "RecLabReport", "RecLabApp",
        ]),
    ],
    swiftLanguageModes: [.v6]
)
