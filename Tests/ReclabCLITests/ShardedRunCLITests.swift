import Foundation
import RecLabTestSupport
import XCTest

/// `reclab plan`, `run-unit` and `gather` as a user runs them: units in shuffled order, from every index
/// source, give the metrics.json and metrics.csv of `reclab run`; hostile indices, plans and folders are refused.
final class ShardedRunCLITests: XCTestCase {
    static let root = TestSupport.packageRoot

    /// k-fold x repeats on the tiny world: 3 strategies x 2 folds x 2 repeats = 12 units.
    static let configText = """
        name: sharded-tiny
        seed: 5
        dataset:
          synthetic: datasets/tiny.yaml
        split: {method: kfold, k: 2}
        repeats: 2
        relevance: implicit
        strategies:
          - {name: most-popular, type: most-popular}
          - {name: item-knn, type: item-knn, params: {k: [10, 20]}}
        metrics: [ndcg@10, recall@10, coverage@10, novelty@10]
        """

    /// Lines of a document that name the build or the clock (as GoldenOutputsCLITests drops them).
    static func stable(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { line in !GoldenOutputsCLITests.volatileKeys.contains { line.contains($0) } }
            .joined(separator: "\n")
    }

    /// The gathered document equals the single-machine one (clock and build fields aside), the table file is
    /// byte-identical, and the gathered run is in the results store under the single run's id. Returns the document.
    @discardableResult
    func assertGatheredLikeSingle(_ out: URL, _ single: URL, document: String, table: String,
                                  file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let a = try String(contentsOf: out.appendingPathComponent(document), encoding: .utf8)
        let b = try String(contentsOf: single.appendingPathComponent(document), encoding: .utf8)
        XCTAssertEqual(Self.stable(a), Self.stable(b), document, file: file, line: line)
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent(table)), try Data(contentsOf: single.appendingPathComponent(table)),
                       table, file: file, line: line)
        let listed = try TestSupport.runReclab(["runs", "list", "--results", out.appendingPathComponent("results.sqlite").path])
        let runId = try XCTUnwrap(a.split(separator: "\n").first { $0.contains("\"run_id\"") }, file: file, line: line)
        XCTAssertTrue(listed.stdout.contains(String(runId.split(separator: "\"")[3])), listed.stdout + listed.stderr, file: file, line: line)
        return a
    }

    func reclab(_ arguments: [String], environment: [String: String] = [:]) throws -> TestSupport.CommandResult {
        try TestSupport.runReclab(arguments + ["--quiet"], environment: environment, currentDirectory: Self.root)
    }

    /// reclab run-unit with `input` on standard input.
    func runUnits(_ plan: URL, stdin input: String) throws -> TestSupport.CommandResult {
        try TestSupport.run(URL(fileURLWithPath: "/bin/sh"), ["-c", "printf '\(input)' | exec \"$0\" run-unit \"$1\" --stdin --quiet",
                                                               TestSupport.reclabBinary.path, plan.path], currentDirectory: Self.root)
    }

    func testShuffledUnitsGiveTheMetricsOfASingleMachineRun() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let config = dir.appendingPathComponent("sharded.yaml"), plan = dir.appendingPathComponent("plan")
        try Self.configText.write(to: config, atomically: true, encoding: .utf8)

        let planned = try reclab(["plan", config.path, "--out", plan.path])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        XCTAssertTrue(planned.stdout.contains("12 units"), planned.stdout)

        // Shuffled, from every source: --unit, SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX and two stdin batches.
        XCTAssertEqual(try reclab(["run-unit", plan.path, "--unit", "7"]).status, 0)
        XCTAssertEqual(try reclab(["run-unit", plan.path], environment: ["SLURM_ARRAY_TASK_ID": "11"]).status, 0)
        XCTAssertEqual(try reclab(["run-unit", plan.path], environment: ["JOB_COMPLETION_INDEX": "0"]).status, 0)
        let first = try runUnits(plan, stdin: "10\\n3\\n\\n5\\n1\\n")
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stdout.split(separator: "\n").count, 4, "one line a unit: \(first.stdout)")
        let unit3 = try Data(contentsOf: plan.appendingPathComponent("units/unit-0000003.json"))

        // Not all units yet: every missing one is listed by id, nothing is written, exit 1.
        let out = dir.appendingPathComponent("gathered")
        let early = try reclab(["gather", plan.path, "--out", out.path])
        XCTAssertEqual(early.status, 1)
        for i in [2, 4, 6, 8, 9] { XCTAssertTrue(early.stderr.contains("unit \(i) offline/"), "unit \(i) not listed: \(early.stderr)") }
        XCTAssertTrue(early.stderr.contains("5 of 12 units"), early.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing written")

        let rest = try runUnits(plan, stdin: "9\\n2\\n8\\n4\\n6\\n3\\n")
        XCTAssertEqual(rest.status, 0, rest.stderr)
        // Unit 3 ran twice: the same bytes.
        XCTAssertEqual(try Data(contentsOf: plan.appendingPathComponent("units/unit-0000003.json")), unit3)
        XCTAssertEqual(try reclab(["run-unit", plan.path, "--missing"]).stdout, "every unit has a partial result\n")

        let gathered = try reclab(["gather", plan.path, "--out", out.path])
        XCTAssertEqual(gathered.status, 0, gathered.stderr)
        let single = dir.appendingPathComponent("single")
        let run = try reclab(["run", config.path, "--out", single.path])
        XCTAssertEqual(run.status, 0, run.stderr)

        let a = try assertGatheredLikeSingle(out, single, document: "metrics.json", table: "metrics.csv")
        XCTAssertTrue(a.contains("\"fold\" : 3"), "fold rows of the 4 folds are there")

        // A config edited after planning is refused by run-unit and gather.
        try (Self.configText + "\n# edited\n").write(to: config, atomically: true, encoding: .utf8)
        let stale = try reclab(["run-unit", plan.path, "--unit", "0"])
        XCTAssertEqual(stale.status, 1)
        XCTAssertTrue(stale.stderr.contains("changed since it was planned"), stale.stderr)
    }

    /// `reclab validate` checks planned one unit a seed, run in shuffled order, gather into the report
    /// `validate` prints (byte for byte).
    func testValidateSeedsGatherTheValidateReport() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        for (check, seeds) in [("aa", 3), ("srm", 5)] {
            let plan = dir.appendingPathComponent("plan-\(check)")
            let planned = try reclab(["plan", "experiments/ab-tiny.yaml", "--validate", check, "--seeds", "\(seeds)", "--out", plan.path])
            XCTAssertEqual(planned.status, 0, planned.stderr)
            let order = (0..<seeds).reversed().map(String.init).joined(separator: "\\n")
            let ran = try runUnits(plan, stdin: order + "\\n")
            XCTAssertEqual(ran.status, 0, ran.stderr)
            XCTAssertEqual(ran.stdout.split(separator: "\n").first, "unit \(seeds - 1) validate/\(check)/seed-\(seeds): finished")
            let gathered = try reclab(["gather", plan.path])
            XCTAssertEqual(gathered.status, 0, gathered.stderr)
            let direct = try reclab(["validate", check, "experiments/ab-tiny.yaml", "--seeds", "\(seeds)"])
            XCTAssertEqual(direct.status, 0, direct.stderr)
            XCTAssertTrue(direct.stdout.contains("\(seeds)"), direct.stdout)
            XCTAssertEqual(gathered.stdout, direct.stdout, check)
        }
        // A plan of one check is not a plan of another: the options are checked.
        let manifest = dir.appendingPathComponent("plan-aa/plan.json")
        let text = try String(contentsOf: manifest, encoding: .utf8)
        try text.replacingOccurrences(of: "\"seeds\" : \"3\"", with: "\"seeds\" : \"-3\"").write(to: manifest, atomically: true, encoding: .utf8)
        let bad = try reclab(["gather", dir.appendingPathComponent("plan-aa").path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("'seeds'"), bad.stderr)
    }

    /// An A/B config with `truth: true`: one unit per world (the experiment, each arm's truth world), run in
    /// shuffled order, gathers into the ab.json, ab.csv and record of `reclab simulate`.
    func testABWorldsGatherTheABRunOfSimulate() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let config = dir.appendingPathComponent("ab.yaml"), plan = dir.appendingPathComponent("plan")
        try """
            name: ab-sharded
            seed: 4
            dataset:
              synthetic:
                name: synthetic-ab-sharded
                seed: 4
                users: 150
                movies: 80
                days: 20
                start_date: 2024-01-01
                factors: 6
                activity: {visit_probability: 0.3}
                dynamics:
                  satisfaction: {memory: 0.3, return_strength: 0.4, churn_hazard: 0.05}
            days: 4
            pre_period_days: 1
            retrain_every: 2
            truth: true
            page: {rows: [top-picks, trending], slots: 5}
            arms:
              - {name: popular, strategy: most-popular, weight: 1, control: true, epsilon: 0.2}
              - {name: ease, strategy: ease, params: {lambda: 50}, weight: 1}
            """.write(to: config, atomically: true, encoding: .utf8)

        let planned = try reclab(["plan", config.path, "--out", plan.path])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        XCTAssertTrue(planned.stdout.contains("3 units"), planned.stdout)
        let ran = try runUnits(plan, stdin: "2\\n")
        XCTAssertEqual(ran.stdout, "unit 2 ab/truth/ease: finished\n", ran.stderr)
        let unit2 = try Data(contentsOf: plan.appendingPathComponent("units/unit-0000002.json"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: plan.appendingPathComponent("units/unit-0000002.timing.json").path))

        // Missing worlds are listed by id; nothing is written.
        let out = dir.appendingPathComponent("gathered")
        let early = try reclab(["gather", plan.path, "--out", out.path])
        XCTAssertEqual(early.status, 1)
        XCTAssertTrue(early.stderr.contains("2 of 3 units"), early.stderr)
        XCTAssertTrue(early.stderr.contains("unit 0 ab/experiment: no partial result"), early.stderr)
        XCTAssertTrue(early.stderr.contains("unit 1 ab/truth/popular: no partial result"), early.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing written")

        XCTAssertEqual(try reclab(["run-unit", plan.path, "--missing"]).status, 0)
        XCTAssertEqual(try reclab(["run-unit", plan.path, "--unit", "2"]).status, 0)
        XCTAssertEqual(try Data(contentsOf: plan.appendingPathComponent("units/unit-0000002.json")), unit2, "a unit run again writes the same bytes")

        // An unusable partial result is named by unit and file; nothing is written.
        let partial1 = plan.appendingPathComponent("units/unit-0000001.json")
        let good1 = try Data(contentsOf: partial1)
        try Data("{\"unit\": 1}".utf8).write(to: partial1)
        let garbled = try reclab(["gather", plan.path, "--out", out.path])
        XCTAssertEqual(garbled.status, 1)
        XCTAssertTrue(garbled.stderr.contains("unit 1 ab/truth/popular: ") && garbled.stderr.contains("unit-0000001.json"), garbled.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing written")
        try unit2.write(to: partial1)
        let swapped = try reclab(["gather", plan.path, "--out", out.path])
        XCTAssertEqual(swapped.status, 1)
        XCTAssertTrue(swapped.stderr.contains("unit 1 ab/truth/popular: its file holds the result of unit ab/truth/ease"), swapped.stderr)
        try good1.write(to: partial1)

        let gathered = try reclab(["gather", plan.path, "--out", out.path])
        XCTAssertEqual(gathered.status, 0, gathered.stderr)
        let single = dir.appendingPathComponent("single")
        let simulated = try reclab(["simulate", config.path, "--out", single.path])
        XCTAssertEqual(simulated.status, 0, simulated.stderr)
        XCTAssertEqual(gathered.stdout.replacingOccurrences(of: out.path, with: "DIR"), simulated.stdout.replacingOccurrences(of: single.path, with: "DIR"))

        let a = try assertGatheredLikeSingle(out, single, document: "ab.json", table: "ab.csv")
        XCTAssertTrue(a.contains("\"true_effect\""), "the truth is there")

        // Without `truth: true`, one unit: the experiment.
        let plain = dir.appendingPathComponent("plain.yaml"), plainPlan = dir.appendingPathComponent("plain-plan")
        try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "truth: true", with: "truth: false")
            .write(to: plain, atomically: true, encoding: .utf8)
        let one = try reclab(["plan", plain.path, "--out", plainPlan.path])
        XCTAssertTrue(one.stdout.contains("1 units"), one.stdout + one.stderr)
        XCTAssertTrue(try String(contentsOf: plainPlan.appendingPathComponent("plan.json"), encoding: .utf8).contains("\"id\" : \"ab\\/experiment\""))
    }

    /// A tuned config (experiments/tune-tiny.yaml) planned as tune-trial units, run in shuffled order, gathers into
    /// the metrics.json, metrics.csv and trials.csv of `reclab tune` (apart from the build, the clock and the
    /// trials' and searches' seconds, which are the units' own).
    func testTunedPlanGathersWhatTuneWrites() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let plan = dir.appendingPathComponent("plan"), out = dir.appendingPathComponent("gathered")
        let planned = try reclab(["plan", "experiments/tune-tiny.yaml", "--out", plan.path])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        XCTAssertTrue(planned.stdout.contains("19 units"), planned.stdout)

        XCTAssertEqual(try reclab(["run-unit", plan.path, "--unit", "18"]).status, 0)
        let first = try runUnits(plan, stdin: "13\\n0\\n7\\n")
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stdout.split(separator: "\n").first, "unit 13 tune/implicit-als/trial-0/fold-1: finished")

        // Not all units yet: every missing one is listed by id, nothing is written, exit 1.
        let early = try reclab(["gather", plan.path, "--out", out.path])
        XCTAssertEqual(early.status, 1)
        XCTAssertTrue(early.stderr.contains("15 of 19 units"), early.stderr)
        for (i, id) in [(1, "tune/item-knn/trial-0/fold-1"), (12, "tune/ease/trial-5/fold-1"), (17, "tune/implicit-als/trial-4/fold-1")] {
            XCTAssertTrue(early.stderr.contains("unit \(i) \(id)"), "unit \(i) not listed: \(early.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing written")

        let rest = try reclab(["run-unit", plan.path, "--missing"])
        XCTAssertEqual(rest.status, 0, rest.stderr)
        XCTAssertEqual(rest.stdout.split(separator: "\n").count, 15, rest.stdout)
        let gathered = try reclab(["gather", plan.path, "--out", out.path])
        XCTAssertEqual(gathered.status, 0, gathered.stderr)
        XCTAssertTrue(gathered.stdout.contains("tuning: random search on ndcg@10"), gathered.stdout)
        let single = dir.appendingPathComponent("tuned")
        let tuned = try reclab(["tune", "experiments/tune-tiny.yaml", "--out", single.path])
        XCTAssertEqual(tuned.status, 0, tuned.stderr)

        func stableTuned(_ text: String) -> String {
            Self.stable(text).split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.contains("\"seconds\"") }.joined(separator: "\n")
        }
        let a = try String(contentsOf: out.appendingPathComponent("metrics.json"), encoding: .utf8)
        let b = try String(contentsOf: single.appendingPathComponent("metrics.json"), encoding: .utf8)
        XCTAssertTrue(a.contains("\"selected_trial\""), "the tuning record is there")
        XCTAssertEqual(stableTuned(a), stableTuned(b))
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("metrics.csv")), try Data(contentsOf: single.appendingPathComponent("metrics.csv")))
        // trials.csv: the same rows but for the seconds column.
        func withoutSeconds(_ url: URL) throws -> [String] {
            try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
                var cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                if cells.count > 8 { cells.remove(at: cells.count - 3) }
                return cells.joined(separator: ",")
            }
        }
        XCTAssertEqual(try withoutSeconds(out.appendingPathComponent("trials.csv")), try withoutSeconds(single.appendingPathComponent("trials.csv")))
    }

    /// Successive halving and a seconds budget depend on results and on the machine: refused at planning, naming
    /// file, line and key, before anything is written.
    func testHalvingAndSecondsBudgetsAreRefusedAtPlanning() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let text = TestSupport.rootedConfigText(try String(contentsOf: Self.root.appendingPathComponent("experiments/tune-tiny.yaml"), encoding: .utf8))
        for (name, edited, expected) in [("halving.yaml", text.replacingOccurrences(of: "method: random ", with: "method: halving"), "halving.yaml:14"),
                                         ("seconds.yaml", text.replacingOccurrences(of: "trials: 6 ", with: "seconds: 60"), "seconds.yaml:15")] {
            let config = dir.appendingPathComponent(name)
            try edited.write(to: config, atomically: true, encoding: .utf8)
            let r = try reclab(["plan", config.path, "--out", dir.appendingPathComponent("plan").path])
            XCTAssertEqual(r.status, 1, name)
            XCTAssertTrue(r.stderr.contains(expected), r.stderr)
            XCTAssertTrue(r.stderr.contains(name == "halving.yaml" ? "tune.method" : "tune.seconds"), r.stderr)
            XCTAssertTrue(r.stderr.contains("reclab tune"), r.stderr)
        }
        XCTAssertEqual(TestSupport.tree(dir), ["halving.yaml", "seconds.yaml"])
    }

    func testHostileIndicesPlansAndFoldersAreRefusedBeforeAnyWork() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let plan = dir.appendingPathComponent("plan")
        XCTAssertEqual(try reclab(["plan", "experiments/tiny.yaml", "--out", plan.path]).status, 0)
        let before = TestSupport.tree(dir)

        for bad in ["-1", "5", "1e3", "0x1", "+1", "１", "99999999", " ", "2; touch /tmp/x"] {
            let r = try reclab(["run-unit", plan.path, "--unit", bad])
            XCTAssertNotEqual(r.status, 0, "--unit '\(bad)' was accepted")
            XCTAssertTrue(r.stderr.contains("unit"), r.stderr)
        }
        XCTAssertNotEqual(try reclab(["run-unit", plan.path], environment: ["SLURM_ARRAY_TASK_ID": "abc"]).status, 0)
        // A bad line anywhere on standard input: no unit runs, the line is named.
        let r = try runUnits(plan, stdin: "0\\n1\\nnope\\n")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("line 3"), r.stderr)
        let none = try reclab(["run-unit", plan.path])
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("--unit I or --stdin"), none.stderr)
        XCTAssertEqual(TestSupport.tree(dir), before, "nothing was written")

        // Manifests: another version, a hostile name, edited units, not JSON.
        let manifest = plan.appendingPathComponent("plan.json")
        let original = try String(contentsOf: manifest, encoding: .utf8)
        for (edit, expected) in [(original.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 9"), "version 9"),
                                 (original.replacingOccurrences(of: "\"name\" : \"tiny\"", with: "\"name\" : \"..\\/x\""), "plan name"),
                                 (original.replacingOccurrences(of: "\"strategy\" : 1", with: "\"strategy\" : 7"), "not those planning gives"),
                                 ("{\"units\": [", "not a RecLab plan")] {
            try edit.write(to: manifest, atomically: true, encoding: .utf8)
            let r = try reclab(["run-unit", plan.path, "--unit", "0"])
            XCTAssertEqual(r.status, 1, edit)
            XCTAssertTrue(r.stderr.contains(expected), "\(expected): \(r.stderr)")
        }
        try original.write(to: manifest, atomically: true, encoding: .utf8)

        // units/ a link out of the plan folder: refused, nothing written there.
        let outside = dir.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: plan.appendingPathComponent("units"), withDestinationURL: outside)
        let escaped = try reclab(["run-unit", plan.path, "--unit", "1"])
        XCTAssertEqual(escaped.status, 1)
        XCTAssertTrue(escaped.stderr.contains("outside the output folder"), escaped.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside.path), [])
    }
}
