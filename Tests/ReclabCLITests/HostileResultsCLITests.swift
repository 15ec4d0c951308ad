import Foundation
import RecLabResults
import RecLabStore
import RecLabTestSupport
import XCTest

/// Results that are empty, undefined or partial, and stores that are not stores: a clear error (exit 1)
/// naming the reason and the file, or a labelled warning; never a silent table of nan, never a crash.
final class HostileResultsCLITests: XCTestCase {
    private let root = TestSupport.packageRoot

    /// A sandbox with the shipped tiny world and experiment configs, so configs can name them relatively.
    private func sandbox() throws -> URL {
        let dir = try TestSupport.temporaryDirectory(self)
        for folder in ["datasets", "experiments"] {
            try FileManager.default.copyItem(at: root.appendingPathComponent(folder), to: dir.appendingPathComponent(folder))
        }
        return dir
    }

    private func shipped(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    private func write(_ text: String, _ url: URL) throws { try text.write(to: url, atomically: true, encoding: .utf8) }

    /// `experiments/NAME` with its synthetic world replaced by `dataset: {store: STORE}`.
    private func config(_ name: String, store: String, in dir: URL, as file: String) throws -> URL {
        let text = try shipped("experiments/\(name)")
        XCTAssertTrue(text.contains("  synthetic: datasets/tiny.yaml"), "\(name) reads the tiny world")
        let url = dir.appendingPathComponent(file)
        try write(text.replacingOccurrences(of: "  synthetic: datasets/tiny.yaml", with: "  store: \(store)"), url)
        return url
    }

    private func generate(users: Int, to name: String, in dir: URL) throws {
        let r = try TestSupport.runReclabBounded(["generate", "--config", "datasets/tiny.yaml", "--users", "\(users)", "--out", name, "--quiet"],
                                                 currentDirectory: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    // MARK: Undefined results

    func testRunWithNoRelevantTestItemIsAnErrorAndWritesNothing() throws {
        let dir = try sandbox()
        let text = try shipped("experiments/tiny.yaml")
        XCTAssertTrue(text.contains("relevance: implicit"))
        try write(text.replacingOccurrences(of: "relevance: implicit", with: "relevance: 99"), dir.appendingPathComponent("rel99.yaml"))
        let before = TestSupport.tree(dir)
        let r = try TestSupport.runReclabBounded(["run", "rel99.yaml", "--out", "out", "--quiet"], currentDirectory: dir)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertFalse(r.killedBySignal)
        XCTAssertTrue(r.stderr.contains("rel99.yaml: 'relevance': every metric is undefined"), r.stderr)
        XCTAssertTrue(r.stderr.contains("no user has a relevant item in the test part at relevance threshold 99"), r.stderr)
        XCTAssertFalse(r.stdout.contains("coverage@10"), "no table is printed: \(r.stdout)")
        XCTAssertEqual(TestSupport.tree(dir), before, "nothing written")
    }

    func testSimulateWithArmsTooSmallIsAnErrorBeforeTheWork() throws {
        let dir = try sandbox()
        for users in [1, 2] {
            try generate(users: users, to: "u\(users).sqlite", in: dir)
            _ = try config("ab-tiny.yaml", store: "u\(users).sqlite", in: dir, as: "ab\(users).yaml")
            let before = TestSupport.tree(dir)
            let r = try TestSupport.runReclabBounded(["simulate", "ab\(users).yaml", "--out", "ab", "--quiet"], currentDirectory: dir)
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertFalse(r.killedBySignal)
            XCTAssertTrue(r.stderr.contains("ab\(users).yaml: 'arms': arms too small to compare"), r.stderr)
            XCTAssertTrue(r.stderr.contains("of the world's \(users) users"), r.stderr)
            XCTAssertFalse(r.stdout.contains("nan"), r.stdout)
            XCTAssertFalse(r.stdout.contains("SRM"), r.stdout)
            XCTAssertEqual(TestSupport.tree(dir), before, "nothing written")
        }
    }

    func testReportOnASingleUserRunDrawsItsCharts() throws {
        guard (try? TestSupport.runReclab(["report", "--help"]))?.status == 0,
              FileManager.default.isExecutableFile(atPath: "/usr/bin/gnuplot") || ProcessInfo.processInfo.environment["RECLAB_GNUPLOT"] != nil
        else { throw XCTSkip("needs gnuplot") }
        let dir = try sandbox()
        try generate(users: 1, to: "one.sqlite", in: dir)
        _ = try config("tiny.yaml", store: "one.sqlite", in: dir, as: "one.yaml")
        let run = try TestSupport.runReclabBounded(["run", "one.yaml", "--out", "one", "--quiet"], currentDirectory: dir)
        XCTAssertEqual(run.status, 0, run.stderr)
        // One user: every interval is undefined. The report draws the means without error bars.
        let doc = try ResultJSON.decoder().decode(OfflineResults.self, from: Data(contentsOf: dir.appendingPathComponent("one/metrics.json")))
        XCTAssertTrue(doc.results.contains { $0.metric == "ndcg@10" && $0.mean.isFinite && $0.ciLow.isNaN }, "a single-user interval is nan")
        let r = try TestSupport.runReclabBounded(["report", "one/metrics.json", "--out", "rep", "--quiet"], currentDirectory: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.killedBySignal)
        let png = try Data(contentsOf: dir.appendingPathComponent("rep/charts/bars-accuracy-k10.png"))
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        let dat = try String(contentsOf: dir.appendingPathComponent("rep/charts/bars-accuracy-k10.dat"), encoding: .utf8)
        XCTAssertFalse(dat.split(separator: "\n").dropFirst().contains { $0.contains("NaN") }, dat)
    }

    func testReportLeavesOutAChartWithoutFiniteValues() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/gnuplot") || ProcessInfo.processInfo.environment["RECLAB_GNUPLOT"] != nil
        else { throw XCTSkip("needs gnuplot") }
        let dir = try TestSupport.temporaryDirectory(self)
        var doc = ReportCLITests.offline()
        for i in doc.results.indices where doc.results[i].metric == "ndcg@10" {
            doc.results[i].mean = .nan; doc.results[i].ciLow = .nan; doc.results[i].ciHigh = .nan
        }
        try ResultJSON.encoder().encode(doc).write(to: dir.appendingPathComponent("metrics.json"))
        let r = try TestSupport.runReclabBounded(["report", "metrics.json", "--out", "rep", "--quiet"], currentDirectory: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let md = try String(contentsOf: dir.appendingPathComponent("rep/report.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("> Chart \"Ranking accuracy at k = 10 (mean, 95% CI)\" left out: every value in it is undefined (nan)."), md)
        XCTAssertTrue(md.contains("> Chart \"ndcg@10 against fit time per strategy\" left out"), md)
        XCTAssertTrue(md.contains("> **Warning:** ndcg@10 is undefined (nan) for most-popular, ease"), md)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("rep/charts/bars-accuracy-k10.gp").path))
        // The defined metric keeps its chart.
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("rep/charts/bars-rating-error.png").path))
    }

    func testGnuplotThatRunsAndFailsIsNotCalledMissing() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        try ResultJSON.encoder().encode(ReportCLITests.offline()).write(to: dir.appendingPathComponent("metrics.json"))
        // A stand-in gnuplot that runs and rejects the script, as a real one does on a bad range.
        let fake = dir.appendingPathComponent("fake-gnuplot")
        try write("#!/bin/sh\necho '\"x.gp\" line 42: x range is invalid' >&2\nexit 1\n", fake)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
        let r = try TestSupport.runReclabBounded(["report", "metrics.json", "--out", "rep", "--quiet"],
                                                 environment: ["RECLAB_GNUPLOT": fake.path], currentDirectory: dir)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertFalse(r.killedBySignal)
        XCTAssertTrue(r.stderr.contains("x range is invalid"), r.stderr)
        XCTAssertTrue(r.stderr.contains("gnuplot is installed but could not draw this chart"), r.stderr)
        XCTAssertFalse(r.stderr.contains("apt-get install"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("rep").path))
    }

    // MARK: Partial failure

    func testFailedStrategyIsRecordedBesideTheFinishedOnes() throws {
        let dir = try sandbox()
        let text = try shipped("experiments/tiny.yaml")
        let knn = "  - name: item-knn\n"
        XCTAssertTrue(text.contains(knn))
        try write(text.replacingOccurrences(of: knn, with: "  - {name: small-ease, type: ease, params: {max_items: 10}}\n" + knn),
                  dir.appendingPathComponent("partial.yaml"))
        let r = try TestSupport.runReclabBounded(["run", "partial.yaml", "--out", "out", "--quiet"], currentDirectory: dir)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertFalse(r.killedBySignal)
        XCTAssertTrue(r.stderr.contains("partial.yaml:14: 'max_items': strategy 'small-ease' (ease) cannot be fitted"), r.stderr)
        let doc = try ResultJSON.decoder().decode(OfflineResults.self, from: Data(contentsOf: dir.appendingPathComponent("out/metrics.json")))
        XCTAssertEqual(doc.strategies.map(\.name), ["random", "most-popular", "item-knn", "ease[lambda=50]", "ease[lambda=200]"])
        XCTAssertEqual(doc.failures?.map(\.strategy), ["small-ease"])
        XCTAssertEqual(doc.failures?.first?.fold, 0)
        let csv = try String(contentsOf: dir.appendingPathComponent("out/metrics.csv"), encoding: .utf8)
        XCTAssertTrue(csv.contains("\nitem-knn,ndcg@10,all,"), csv)
        XCTAssertFalse(csv.contains("small-ease"), csv)
        XCTAssertTrue(r.stdout.contains("FAILED: strategy 'small-ease' (ease) has no results"), r.stdout)
        // The report says so at the top.
        let rep = try TestSupport.runReclabBounded(["report", "out/metrics.json", "--out", "rep", "--no-charts", "--quiet"], currentDirectory: dir)
        XCTAssertEqual(rep.status, 0, rep.stderr)
        let md = try String(contentsOf: dir.appendingPathComponent("rep/report.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("FAILED: strategy small-ease (ease) has no results."), md)
    }

    func testArmStrategyFailingMidSimulationIsAnErrorNamingTheArm() throws {
        let dir = try sandbox()
        let text = try shipped("experiments/ab-tiny.yaml")
        XCTAssertTrue(text.contains("params: {lambda: 50}"))
        try write(text.replacingOccurrences(of: "params: {lambda: 50}", with: "params: {lambda: 50, max_items: 10}"),
                  dir.appendingPathComponent("abfail.yaml"))
        let before = TestSupport.tree(dir)
        let r = try TestSupport.runReclabBounded(["simulate", "abfail.yaml", "--out", "o", "--quiet"], currentDirectory: dir)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertFalse(r.killedBySignal)
        XCTAssertTrue(r.stderr.contains("abfail.yaml: 'max_items': arm 'ease' (strategy ease) cannot be fitted"), r.stderr)
        XCTAssertEqual(TestSupport.tree(dir), before, "nothing written")
    }

    // MARK: Stores

    func testGenerateRemovesStagingFilesOfDeadProcessesOnly() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let pidMax = Int((try String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8))
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 4_194_304
        let dead = dir.appendingPathComponent(".x.sqlite.partial-\(pidMax + 1)")
        let live = dir.appendingPathComponent(".x.sqlite.partial-\(getpid())")   // this test process: alive
        for f in [dead, live] { try Data(repeating: 7, count: 4096).write(to: f) }
        let r = try TestSupport.runReclabBounded(["generate", "--config", root.appendingPathComponent("datasets/tiny.yaml").path,
                                                  "--out", "x.sqlite", "--quiet"], currentDirectory: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dead.path), "the dead process's staging file is removed")
        XCTAssertTrue(FileManager.default.fileExists(atPath: live.path), "a live process's staging file is kept")
        XCTAssertEqual(TestSupport.tree(dir).sorted(), [live.lastPathComponent, "x.sqlite"].sorted())
    }

    func testDamagedAndForeignStoresAreNamedAsSuch() throws {
        let dir = try sandbox()
        try generate(users: 50, to: "good.sqlite", in: dir)
        let good = try Data(contentsOf: dir.appendingPathComponent("good.sqlite"))
        try good.prefix(good.count / 2).write(to: dir.appendingPathComponent("half.sqlite"))
        try Data().write(to: dir.appendingPathComponent("empty.sqlite"))
        var rng = SystemRandomNumberGenerator()
        try Data((0..<65536).map { _ in UInt8.random(in: 0...255, using: &rng) }).write(to: dir.appendingPathComponent("random.sqlite"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("folder.sqlite"), withIntermediateDirectories: true)
        let cases = [("half.sqlite", "not a RecLab dataset store, or damaged (truncated"),
                     ("empty.sqlite", "not a RecLab dataset store, or damaged (the file is empty)"),
                     ("random.sqlite", "not a RecLab dataset store, or damaged (not an SQLite database)"),
                     ("folder.sqlite", "is a folder, not a dataset store")]
        for (file, message) in cases {
            let inspect = try TestSupport.runReclabBounded(["inspect", file], currentDirectory: dir)
            XCTAssertEqual(inspect.status, 1, "\(file): \(inspect.stderr)")
            XCTAssertFalse(inspect.killedBySignal)
            XCTAssertTrue(inspect.stderr.contains("reclab: error: \(file): \(message)"), inspect.stderr)
            XCTAssertFalse(inspect.stderr.contains("disk I/O error") || inspect.stderr.contains("no dataset_info table"), inspect.stderr)
            // The same through a config's `dataset: {store: ...}`, for run and simulate; nothing written.
            _ = try config("tiny.yaml", store: file, in: dir, as: "run.yaml")
            _ = try config("ab-tiny.yaml", store: file, in: dir, as: "ab.yaml")
            let before = TestSupport.tree(dir)
            for args in [["run", "run.yaml", "--out", "o", "--quiet"], ["simulate", "ab.yaml", "--out", "o", "--quiet"]] {
                let r = try TestSupport.runReclabBounded(args, currentDirectory: dir)
                XCTAssertEqual(r.status, 1, "\(args) \(file): \(r.stderr)")
                XCTAssertFalse(r.killedBySignal)
                XCTAssertTrue(r.stderr.contains("\(file): \(message)"), r.stderr)
            }
            XCTAssertEqual(TestSupport.tree(dir), before, "nothing written for \(file)")
        }
        let ok = try TestSupport.runReclabBounded(["inspect", "good.sqlite"], currentDirectory: dir)
        XCTAssertEqual(ok.status, 0, ok.stderr)
    }
}
