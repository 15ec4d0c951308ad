import Foundation
import Logging
import RecLabApp
import RecLabCore
import RecLabEval
import RecLabResults
import RecLabStore
import RecLabTestSupport
import XCTest

/// Collects the lines a logger writes (thread-safe).
final class LineCollector: @unchecked Sendable {
    // @unchecked: `lines` is only touched under `lock`.
    private let lock = NSLock()
    private var lines: [String] = []
    func logger(level: Logger.Level = .info) -> Logger {
        RecLabLog.lines(level: level) { [self] line in lock.lock(); lines.append(line); lock.unlock() }
    }
    var collected: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}

/// The application layer: the run context built from flags and a given environment, and runs recorded the
/// same way whatever their kind.
final class AppLayerTests: XCTestCase {
    func testContextComesFromTheGivenEnvironmentNotTheProcess() throws {
        let c = try AppContext.make(quiet: true, environment: ["RECLAB_THREADS": "3", "RECLAB_PSEUDONYM_KEY": "k"], provenance: false)
        XCTAssertEqual(c.threads, 3)
        XCTAssertEqual(c.log.logLevel, .warning, "--quiet drops progress, keeps warnings")
        XCTAssertFalse(c.showsProgress)
        XCTAssertNil(c.gitCommit)
        XCTAssertFalse(try c.pseudonymizer().usesDevelopmentKey)
        XCTAssertEqual(try c.pseudonymizer().pseudonym(for: "1"), Pseudonymizer(key: "k").pseudonym(for: "1"))
        let loud = try AppContext.make(quiet: false, environment: [:], provenance: false)
        XCTAssertEqual(loud.threads, Parallel.machineCores)
        XCTAssertEqual(loud.log.logLevel, .info)
        XCTAssertTrue(loud.showsProgress)
        XCTAssertTrue(try loud.pseudonymizer().usesDevelopmentKey)
    }

    func testBadThreadCountIsAUsageErrorNamingTheVariable() {
        for bad in ["0", "two", "5000"] {
            XCTAssertThrowsError(try AppContext.make(quiet: true, environment: ["RECLAB_THREADS": bad], provenance: false)) { error in
                let e = error as? RecLabError
                XCTAssertEqual(e?.kind, .usage)
                XCTAssertTrue("\(error)".contains("RECLAB_THREADS"), "\(error)")
            }
        }
    }

    func testMemoryBudgetFromTheEnvironmentOrEightyPercentOfMemory() throws {
        XCTAssertEqual(try AppContext.memoryBudget([:], physicalMemory: 10_000_000_000), 8_000_000_000)
        XCTAssertEqual(try AppContext.memoryBudget(["RECLAB_MEMORY_LIMIT": "12G"]), 12 << 30)
        XCTAssertEqual(try AppContext.memoryBudget(["RECLAB_MEMORY_LIMIT": " 800m "]), 800 << 20)
        XCTAssertEqual(try AppContext.memoryBudget(["RECLAB_MEMORY_LIMIT": "5000000"]), 5_000_000)
        for bad in ["abc", "12GB", "-5G", "0", "999", "1.5G", "99999999999999999999T", "１２G", "9223372036854775807T"] {
            XCTAssertThrowsError(try AppContext.memoryBudget(["RECLAB_MEMORY_LIMIT": bad]), bad) { e in
                XCTAssertTrue("\(e)".contains("RECLAB_MEMORY_LIMIT"), "\(e)")
                XCTAssertEqual((e as? RecLabError)?.kind, .usage)
            }
        }
    }

    func testKeyFileIsReadOnlyWhenARunNeedsTheKey() throws {
        let c = try AppContext.make(quiet: true, environment: ["RECLAB_PSEUDONYM_KEY_FILE": "/nonexistent/key"], provenance: false)
        XCTAssertThrowsError(try c.pseudonymizer())
    }

    func testBoundScopesThreadsAndSinkToTheCall() {
        let outside = Parallel.workerCount
        let lines = LineCollector()
        let context = RunContext(threads: 3, log: lines.logger())
        context.bound {
            XCTAssertEqual(Parallel.workerCount, 3)
            // A reporter made without a logger, as code deep inside a fit makes it, logs to the run's logger.
            ProgressReporter("deep", total: 2).finish()
        }
        XCTAssertEqual(Parallel.workerCount, outside)
        XCTAssertEqual(lines.collected.count, 1)
        XCTAssertTrue(lines.collected.first?.hasPrefix("[deep] 0/2") ?? false, "\(lines.collected)")
        RunContext(log: RecLabLog.silent).bound { ProgressReporter("quiet", total: 1).finish() }
        XCTAssertEqual(lines.collected.count, 1)
    }

    /// The quiet level: progress (info) is dropped and never built, warnings pass as their exact text.
    func testWarningLevelDropsProgressButKeepsWarnings() {
        let lines = LineCollector()
        let context = RunContext(log: lines.logger(level: .warning))
        XCTAssertFalse(context.showsProgress)
        let progress = context.progress("work", total: 2, interval: 0)
        progress.advance()
        progress.finish()
        context.log.info("[run] a note")
        context.log.warning("warning: kept")
        XCTAssertEqual(lines.collected, ["warning: kept"])

        let loud = LineCollector()
        let shown = RunContext(log: loud.logger()).progress("work", total: 2, interval: 0)
        shown.advance()
        shown.advance()   // the last step prints nothing: finish() closes
        shown.finish()
        XCTAssertEqual(loud.collected.count, 2, "\(loud.collected)")
        XCTAssertTrue(loud.collected[0].hasPrefix("[work] 1/2 (50%)"), "\(loud.collected)")
        XCTAssertTrue(loud.collected[1].hasPrefix("[work] 2/2 (100%) done in "), "\(loud.collected)")
    }

    /// The tiny shipped experiment, run with a fixed clock and commit: the provenance is the context's.
    private func tinyRun(_ context: RunContext) throws -> ExperimentOutput {
        let text = TestSupport.rootedConfigText(try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("experiments/tiny.yaml"), encoding: .utf8))
        let config = try ExperimentConfig.parse(text: text, path: "experiments/tiny.yaml")
        return try ExperimentRunner.run(config, dataset: try DatasetSources.dataset(for: config, context: context), context: context)
    }

    func testEnginesStampTheContextsProvenanceAndLogToItsSink() throws {
        let lines = LineCollector()
        let context = RunContext(threads: 2, log: lines.logger(), clock: .fixed(Date(timeIntervalSince1970: 1_800_000_000)),
                                 reclabVersion: "9.9.9", gitCommit: "0123abcd")
        let p = try tinyRun(context).document.provenance
        XCTAssertEqual(p.createdAt, "2027-01-15T08:00:00Z")
        XCTAssertEqual(p.gitCommit, "0123abcd")
        XCTAssertEqual(p.reclabVersion, "9.9.9")
        XCTAssertTrue(lines.collected.contains { $0.hasPrefix("[run] split:") }, "\(lines.collected)")
    }

    func testRecorderWritesTheStoreThenTheFiles() throws {
        let output = try tinyRun(RunContext())
        let run = try ResultFiles.recorded(output)
        let dir = try TestSupport.temporaryDirectory(self)
        let recorder = try RunRecorder.prepare(out: dir.appendingPathComponent("out").path, defaultRoot: "unused", name: "tiny", results: nil)
        try recorder.record(run)
        let json = try Data(contentsOf: dir.appendingPathComponent("out/metrics.json"))
        XCTAssertEqual(json, try ResultJSON.encoder().encode(output.document))
        let csv = try String(contentsOf: dir.appendingPathComponent("out/metrics.csv"), encoding: .utf8)
        XCTAssertEqual(csv, ResultFiles.csvText(output.document))
        let store = try ResultsStore(readingFrom: recorder.storePath)
        XCTAssertEqual(try store.document(id: run.id).data, json)

        // A store that cannot be opened (a folder in its place): the run fails and writes no result file.
        let blocked = dir.appendingPathComponent("blocked")
        try FileManager.default.createDirectory(at: blocked.appendingPathComponent("results.sqlite"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try RunRecorder(folder: blocked, storePath: blocked.appendingPathComponent("results.sqlite").path).record(run))
        XCTAssertFalse(FileManager.default.fileExists(atPath: blocked.appendingPathComponent("metrics.json").path))
    }
}
