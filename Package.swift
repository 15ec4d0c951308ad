// swift-tools-version:6.0
// RecLab: recommender-system simulation and evaluation lab.
// Data flows one way: Core -> Store/Import/Synthetic -> Splits -> Strategies -> Eval/Sim -> Report -> reclab CLI.
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
    ],
    targets: [
        // System libraries (Debian: libsqlite3-dev, libopenblas-dev).
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", providers: [.apt(["libopenblas-dev"])]),

        // Entities, in-memory dataset and sparse matrices, RNG, hashing, errors.
        .target(name: "RecLabCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // SQLite access layer: connection, migrations, dataset store, results store.
        .target(name: "RecLabStore", dependencies: ["RecLabCore", "CSQLite"]),
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
        // Offline evaluation: metrics, experiment configs, runner.
        .target(name: "RecLabEval", dependencies: [
            "RecLabCore", "RecLabStore", "RecLabImport", "RecLabSynthetic", "RecLabSplits",
            "RecLabStats", "RecLabStrategies", "RecLabConfig",
        ]),
        // A/B simulation and off-policy evaluation.
        .target(name: "RecLabSim", dependencies: [
            "RecLabCore", "RecLabStore", "RecLabImport", "RecLabSynthetic", "RecLabStats",
            "RecLabStrategies", "RecLabConfig", "RecLabEval",
        ]),
        // Reports, gnuplot charts, regression gate.
        .target(name: "RecLabReport", dependencies: ["RecLabCore", "RecLabStore", "RecLabStats"]),
        .executableTarget(name: "reclab", dependencies: [
            "RecLabCore", "RecLabStore", "RecLabImport", "RecLabSynthetic", "RecLabSplits",
            "RecLabStrategies", "RecLabConfig", "RecLabEval", "RecLabSim", "RecLabReport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "reclab-bench", dependencies: [
            "RecLabCore", "RecLabStore", "RecLabImport", "RecLabSynthetic", "RecLabSplits",
            "RecLabStrategies", "RecLabConfig", "RecLabEval", "RecLabSim", "RecLabStats",
        ]),

        // Shared test helpers: temp folders, the shared datasets (skipping when absent), the CLI binary.
        .target(name: "RecLabTestSupport", dependencies: ["RecLabCore"], path: "Tests/RecLabTestSupport"),

        .testTarget(name: "RecLabCoreTests", dependencies: ["RecLabCore", "RecLabTestSupport"]),
        .testTarget(name: "RecLabStoreTests", dependencies: ["RecLabTestSupport", "RecLabStore", "RecLabImport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "RecLabSyntheticTests", dependencies: ["RecLabTestSupport", "RecLabSynthetic", "RecLabSplits", "RecLabStore", "RecLabImport", "RecLabConfig"]),
        .testTarget(name: "RecLabStatsTests", dependencies: ["RecLabTestSupport", "RecLabStats"]),
        .testTarget(name: "RecLabStrategiesTests", dependencies: ["RecLabTestSupport", "RecLabStrategies", "RecLabSplits", "RecLabImport", "RecLabStore"]),
        .testTarget(name: "RecLabEvalTests", dependencies: ["RecLabTestSupport", "RecLabEval"]),
        .testTarget(name: "RecLabSimTests", dependencies: ["RecLabTestSupport", "RecLabSim"]),
        .testTarget(name: "RecLabReportTests", dependencies: ["RecLabTestSupport", "RecLabReport", "RecLabStore", "RecLabCore", "RecLabStats"]),
        .testTarget(name: "ReclabCLITests", dependencies: ["RecLabTestSupport", "RecLabStore"]),
        // Bounded fuzzing of the untrusted-input readers (configs, MovieLens files, result documents).
        .testTarget(name: "RecLabFuzzTests", dependencies: [
            "RecLabTestSupport", "RecLabCore", "RecLabConfig", "RecLabSynthetic", "RecLabEval", "RecLabSim",
            "RecLabImport", "RecLabStore", "RecLabReport",
        ]),
    ],
    swiftLanguageModes: [.v5]
)
