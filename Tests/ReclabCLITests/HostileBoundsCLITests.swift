import Foundation
import RecLabResults
import RecLabTestSupport
import XCTest

/// Hostile sizes and numbers through the CLI: YAML alias bombs and over-size configs, out-of-range
/// flags, config keys and environment variables. Each must end with exit 1 or 2 and a message naming
/// the file, key, flag or variable, never by a signal, under the memory bound of `runReclabBounded`.
final class HostileBoundsCLITests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws { dir = try TestSupport.temporaryDirectory(self) }

    /// Writes `text` to `name` in the sandbox folder and returns the file name (commands run in the folder).
    @discardableResult
    private func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: dir.appendingPathComponent(name))
        return name
    }

    /// Runs reclab bounded in the sandbox and checks a clean failure whose message contains every `needle`.
    @discardableResult
    private func expectCleanFailure(_ args: [String], environment: [String: String] = [:], mentions needles: [String],
                                    file: StaticString = #filePath, line: UInt = #line) throws -> TestSupport.CommandResult {
        let r = try TestSupport.runReclabBounded(args, environment: environment, currentDirectory: dir)
        XCTAssertFalse(r.killedBySignal, "\(args) ended by a signal: \(r.stderr.suffix(500))", file: file, line: line)
        XCTAssertTrue(r.status == 1 || r.status == 2, "\(args) exit \(r.status): \(r.stderr.suffix(500))", file: file, line: line)
        for n in needles { XCTAssertTrue(r.stderr.contains(n), "\(args): '\(n)' not in: \(r.stderr.suffix(800))", file: file, line: line) }
        return r
    }

    private static let world = "{users: 30, movies: 20, days: 10, factors: 4}"

    private func experiment(strategy: String = "{name: pop, type: most-popular}", metrics: String = "[ndcg@5]",
                            world: String = HostileBoundsCLITests.world) -> String {
        """
        name: hostile
        dataset:
          synthetic: \(world)
        split: {method: user-temporal, fraction: 0.2}
        relevance: implicit
        strategies:
          - \(strategy)
        metrics: \(metrics)
        """
    }

    private func abConfig(_ top: String = "", arms: String? = nil, analysis: String = "") -> String {
        """
        name: hostile-ab
        dataset:
          synthetic: \(Self.world)
        days: 2
        \(top)
        arms:
        \(arms ?? "  - {name: a, strategy: most-popular, control: true}\n  - {name: b, strategy: random}")
        \(analysis)
        """
    }

    // MARK: YAML size and aliases

    static let billionLaughs: String = {
        var yaml = "l0: &l0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"
        for level in 1...9 { yaml += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ",") + "]\n" }
        return yaml
    }()

    func testBillionLaughsFailsCleanlyInEveryCommand() throws {
        let bomb = try write("laughs.yaml", Self.billionLaughs)
        XCTAssertLessThan(Self.billionLaughs.utf8.count, 1000)
        for args in [["run", bomb], ["simulate", bomb], ["ope", bomb], ["generate", "--out", "w.sqlite", "--config", bomb],
                     ["validate", "aa", bomb, "--seeds", "2"]] {
            try expectCleanFailure(args + ["-q"], mentions: ["laughs.yaml", "100000", "alias"])
        }
        // The bomb inside an experiment's synthetic world file fails the same way, naming that file.
        try write("exp.yaml", experiment(world: "laughs.yaml"))
        try expectCleanFailure(["run", "exp.yaml", "-q"], mentions: ["laughs.yaml", "100000"])
        XCTAssertEqual(TestSupport.tree(dir), ["exp.yaml", "laughs.yaml"], "nothing written")
    }

    func testAliasesWithinTheCapAreAccepted() throws {
        // Aliases are resolved (copied) by the YAML reader; a normal use of one keeps working.
        try write("alias.yaml", "defaults: &w {users: 30, movies: 20, days: 10, factors: 4}\n" + experiment(world: "*w")
            .replacingOccurrences(of: "name: hostile\n", with: "name: hostile\n"))
        let r = try TestSupport.runReclabBounded(["run", "alias.yaml", "-q"], currentDirectory: dir)
        // `defaults` is an unknown top-level key: the error names it, which shows the alias itself was read.
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("'defaults': unknown key"), r.stderr)
    }

    func testOversizeConfigFailsBeforeReading() throws {
        // 50 MB: refused from its size, never read or copied into a result document.
        let big = dir.appendingPathComponent("big.yaml")
        XCTAssertTrue(FileManager.default.createFile(atPath: big.path, contents: nil))
        let h = try FileHandle(forWritingTo: big)
        try h.truncate(atOffset: 50 << 20)
        try h.close()
        for args in [["run", "big.yaml"], ["simulate", "big.yaml"], ["ope", "big.yaml"], ["generate", "--out", "w.sqlite", "--config", "big.yaml"]] {
            let r = try expectCleanFailure(args + ["-q"], mentions: ["big.yaml", "1 MiB"])
            XCTAssertLessThan(r.stderr.utf8.count, 2000)
        }
        XCTAssertEqual(TestSupport.tree(dir), ["big.yaml"])
        // A folder or a device named as the config is refused too.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("folder.yaml"), withIntermediateDirectories: true)
        try expectCleanFailure(["run", "folder.yaml"], mentions: ["folder.yaml"])
        try expectCleanFailure(["simulate", "/dev/zero"], mentions: ["/dev/zero"])
    }

    func testOversizeOrNonRegularResultDocumentIsRefusedBeforeReading() throws {
        // A sparse 300 MB "ab.json": refused from its size by every command that reads result documents.
        let big = dir.appendingPathComponent("ab.json")
        XCTAssertTrue(FileManager.default.createFile(atPath: big.path, contents: nil))
        let h = try FileHandle(forWritingTo: big)
        try h.truncate(atOffset: 300 << 20)
        try h.close()
        for args in [["report", "ab.json", "--out", "rep", "--no-charts"], ["check", "ab.json", "--baseline", "ab.json"],
                     ["baseline", "update", "ab.json", "--out", "base.json"]] {
            try expectCleanFailure(args, mentions: ["ab.json", "256 MiB"])
        }
        try expectCleanFailure(["report", "/dev/zero", "--out", "rep", "--no-charts"], mentions: ["/dev/zero", "not a regular file"])
        XCTAssertEqual(TestSupport.tree(dir), ["ab.json"])
    }

    // MARK: Numbers in configs

    func testHugeMetricCutoffIsAnError() throws {
        for metrics in ["[ndcg@5000000000]", "[ndcg@1001]", "[\"recall@[5, 99999999999999999999]\"]", "[{ndcg: 5000000000}]"] {
            try write("m.yaml", experiment(metrics: metrics))
            try expectCleanFailure(["run", "m.yaml", "-q"], mentions: ["m.yaml", "'metrics"])
        }
    }

    func testHugeStrategyParametersAreErrors() throws {
        let cases: [(String, String)] = [
            ("{name: als, type: als, params: {factors: 1000000000}}", "factors"),
            ("{name: ease, type: ease, params: {max_items: 1000000}}", "max_items"),
            ("{name: knn, type: item-knn, params: {k: 1000000}}", "params.k"),
            ("{name: knn, type: user-knn, params: {candidates: 99999999999}}", "candidates"),
            ("{name: bpr, type: bpr, params: {epochs: -5}}", "epochs"),
            // A 40 × 40 grid: 1600 strategies, above the limit of 1000.
            ("{name: g, type: item-knn, params: {k: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40], shrink: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40]}}", "1000 strategies"),
        ]
        for (strategy, key) in cases {
            try write("s.yaml", experiment(strategy: strategy))
            try expectCleanFailure(["run", "s.yaml", "-q"], mentions: ["s.yaml", key])
        }
    }

    func testSyntheticWorldSizesAreBounded() throws {
        for (world, key) in [("{users: 1000000000}", "users"), ("{days: 100000}", "days"), ("{movies: 5000000}", "movies"),
                             ("{users: 10000000, days: 36500}", "users"), ("{factors: 100000}", "factors")] {
            try write("w.yaml", experiment(world: world))
            try expectCleanFailure(["run", "w.yaml", "-q"], mentions: ["w.yaml", key])
        }
        try write("world.yaml", "users: 10000000\ndays: 36500\nactivity: {visit_probability: 1}\n")
        try expectCleanFailure(["generate", "--out", "w.sqlite", "--config", "world.yaml", "-q"], mentions: ["world.yaml", "GiB"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("w.sqlite").path))
    }

    func testABAndOPESizesAreBounded() throws {
        let cases: [(String, String)] = [
            (abConfig("pre_period_days: 1000000"), "pre_period_days"),
            (abConfig().replacingOccurrences(of: "days: 2", with: "days: 5000000000"), "days"),
            (abConfig("page: {slots: 1000000}"), "slots"),
            (abConfig("page: {max_plays_per_visit: -1}"), "max_plays_per_visit"),
            (abConfig(arms: "  - {name: a, strategy: most-popular, weight: 1e300, control: true}\n  - {name: b, strategy: random, weight: 1e300}"), "weight"),
            (abConfig(analysis: "analysis: {alpha: 0}"), "alpha"),
            (abConfig(analysis: "analysis: {power: 0}"), "power"),
            (abConfig(analysis: "analysis: {target_relative_mde: 1e-300}"), "target_relative_mde"),
        ]
        for (text, key) in cases {
            try write("ab.yaml", text)
            try expectCleanFailure(["simulate", "ab.yaml", "-q"], mentions: ["ab.yaml", key])
        }
        let ope = """
            name: hostile-ope
            dataset:
              synthetic: \(Self.world)
            VISITS
            logging: {strategy: most-popular, policy: epsilon-greedy, epsilon: 0.5}
            targets:
              - {name: pop, strategy: most-popular, policy: softmax, temperature: TEMP}
            """
        for (visits, temp, key) in [("visits: 100000000", "1", "visits"), ("true_visits: 10000000\ncandidates: 1000", "1", "true_visits"),
                                    ("candidates: 100000", "1", "candidates"), ("visits: 100", "1e-300", "temperature")] {
            try write("ope.yaml", ope.replacingOccurrences(of: "VISITS", with: visits).replacingOccurrences(of: "TEMP", with: temp))
            try expectCleanFailure(["ope", "ope.yaml", "-q"], mentions: ["ope.yaml", key])
        }
    }

    // MARK: Flags

    func testGenerateFlagsHaveTheConfigRanges() throws {
        for (args, flag) in [(["--users", "1000000000"], "--users"), (["--movies", "1000000000"], "--movies"),
                             (["--days", "100000"], "--days"), (["--users", "-3"], "--users"), (["--days", "0"], "--days"),
                             (["--seed", "-5"], "--seed"), (["--movies", "-1"], "--movies")] {
            let r = try expectCleanFailure(["generate", "--out", "w.sqlite"] + args + ["-q"], mentions: [flag])
            XCTAssertFalse(r.stderr.contains("Missing value"), r.stderr)
        }
        // Each flag is in range but together they exceed the memory estimate.
        try expectCleanFailure(["generate", "--out", "w.sqlite", "--users", "10000000", "--days", "36500", "-q"], mentions: ["GiB"])
        // Not a number: a usage error, exit 2 (not ArgumentParser's 64).
        let r = try expectCleanFailure(["generate", "--out", "w.sqlite", "--users", "many"], mentions: ["--users"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(TestSupport.tree(dir), [])
    }

    func testValidateSeedsRange() throws {
        try write("ab.yaml", abConfig())
        for seeds in ["-5", "0", "1000000000", "99999999999999999999"] {
            let r = try expectCleanFailure(["validate", "aa", "ab.yaml", "--seeds", seeds, "-q"], mentions: ["--seeds"])
            XCTAssertEqual(r.status, 2)
            XCTAssertFalse(r.stderr.contains("Missing value"), r.stderr)
        }
        try expectCleanFailure(["validate", "srm", "ab.yaml", "--skew", "-0.5", "-q"], mentions: ["--skew"])
    }

    func testNegativeToleranceIsReadAsAValue() throws {
        let r = try expectCleanFailure(["check", "nothing.json", "--baseline", "b.json", "--tolerance", "-0.5"], mentions: ["-0.5"])
        XCTAssertFalse(r.stderr.contains("Missing value"), r.stderr)
    }

    // MARK: Environment

    func testInvalidThreadCountIsAnError() throws {
        for value in ["abc", "0", "-2", "99999999999999999999", "100000", "1.5"] {
            let r = try expectCleanFailure(["strategies"], environment: ["RECLAB_THREADS": value], mentions: ["RECLAB_THREADS"])
            XCTAssertEqual(r.status, 2)
            XCTAssertEqual(r.stdout, "", "nothing runs")
        }
        let ok = try TestSupport.runReclabBounded(["strategies"], environment: ["RECLAB_THREADS": "3"], currentDirectory: dir)
        XCTAssertEqual(ok.status, 0, ok.stderr)
    }

    func testPseudonymKeyFileMustBeASmallRegularFile() throws {
        let fixture = TestSupport.packageRoot.appendingPathComponent("Tests/RecLabStoreTests/Fixtures/ml100k-ok").path
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("keys"), withIntermediateDirectories: true)
        let big = dir.appendingPathComponent("big.key")
        XCTAssertTrue(FileManager.default.createFile(atPath: big.path, contents: Data(repeating: 65, count: 1 << 20)))
        for keyFile in ["keys", big.path, "/dev/zero"] {
            try expectCleanFailure(["import", fixture, "--out", "d.sqlite", "-q"], environment: ["RECLAB_PSEUDONYM_KEY": "",
                                   "RECLAB_PSEUDONYM_KEY_FILE": keyFile], mentions: ["RECLAB_PSEUDONYM_KEY_FILE", keyFile])
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("d.sqlite").path))
    }
}
