import Foundation
import RecLabStore
import RecLabTestSupport
import XCTest

/// Names, result documents and output locations that try to write outside the output folder, run commands
/// through gnuplot, delete a user's files or damage a foreign file. Every case must end with exit status 1
/// or 2 (never a signal), a message naming the file and key, and nothing written anywhere else.
final class HostilePathsCLITests: XCTestCase {
    /// Hostile values for a `name:` key, as YAML double-quoted scalars, with a label for messages.
    static let hostileNames: [(label: String, yaml: String)] = [
        ("../../x", "\"../../x\""), ("..", "\"..\""), (".", "\".\""), ("a/b", "\"a/b\""), ("a\\nb", "\"a\\nb\""),
        ("empty", "\"\""), ("65 characters", "\"" + String(repeating: "a", count: 65) + "\""), ("-rf", "\"-rf\""),
        ("/abs", "\"/tmp/reclab-abs\""), ("quote", "\"it's\""), ("backquote", "\"`touch x`\""),
    ]

    private let root = TestSupport.packageRoot

    /// A shipped config with its `datasets/` paths made absolute, so it runs from any folder.
    private func shipped(_ name: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent("experiments/\(name)"), encoding: .utf8)
            .replacingOccurrences(of: "datasets/tiny.yaml", with: root.appendingPathComponent("datasets/tiny.yaml").path)
    }

    /// `parent/a/b` as the current folder: what appears anywhere under `parent` is visible to `tree`.
    private func sandbox() throws -> (parent: URL, cwd: URL) {
        let parent = try TestSupport.temporaryDirectory(self)
        let cwd = parent.appendingPathComponent("a/b")
        try FileManager.default.createDirectory(at: cwd, withIntermediateDirectories: true)
        return (parent, cwd)
    }

    private func assertCleanFailure(_ r: TestSupport.CommandResult, mentions: [String], _ context: String,
                                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(r.killedBySignal, "\(context): killed by a signal", file: file, line: line)
        XCTAssertTrue(r.status == 1 || r.status == 2, "\(context): exit \(r.status)\n\(r.stderr)", file: file, line: line)
        for m in mentions { XCTAssertTrue(r.stderr.contains(m), "\(context): stderr lacks \(m): \(r.stderr)", file: file, line: line) }
    }

    // MARK: Names in configs

    func testHostileRunNamesAreRefusedAndNothingIsWritten() throws {
        let (parent, cwd) = try sandbox()
        let configs: [(command: String, file: String, text: String)] = [
            ("run", "tiny.yaml", try shipped("tiny.yaml")),
            ("simulate", "ab-tiny.yaml", try shipped("ab-tiny.yaml")),
            ("ope", "ope-tiny.yaml", try shipped("ope-tiny.yaml")),
        ]
        for (command, fileName, text) in configs {
            let original = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("name: ") })
            for (label, yaml) in Self.hostileNames {
                let config = cwd.appendingPathComponent(fileName)
                try text.replacingOccurrences(of: String(original), with: "name: \(yaml)").write(to: config, atomically: true, encoding: .utf8)
                let before = TestSupport.tree(parent)
                let r = try TestSupport.runReclabBounded([command, fileName, "--quiet"], currentDirectory: cwd)
                assertCleanFailure(r, mentions: [fileName, "'name'"], "\(command) name \(label)")
                XCTAssertEqual(TestSupport.tree(parent), before, "\(command) name \(label) wrote files")
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/reclab-abs"))
    }

    func testHostileStrategyArmPolicyAndWorldNamesNameTheirKey() throws {
        let (parent, cwd) = try sandbox()
        let cases: [(command: [String], file: String, text: String, key: String, old: String, new: String)] = [
            (["run"], "tiny.yaml", try shipped("tiny.yaml"), "'strategies[1].name'",
             "{name: most-popular, type: most-popular}", "{name: \"d\\nsystem(\\\"touch x\\\")\\n#\", type: most-popular}"),
            (["simulate"], "ab-tiny.yaml", try shipped("ab-tiny.yaml"), "'arms[1].name'",
             "{name: ease, strategy: ease", "{name: \"../../ease\", strategy: ease"),
            (["ope"], "ope-tiny.yaml", try shipped("ope-tiny.yaml"), "'targets[1].name'",
             "{name: ease, strategy: ease", "{name: \"e`touch x`\", strategy: ease"),
            (["ope"], "ope-tiny.yaml", try shipped("ope-tiny.yaml"), "'logging.name'",
             "logging: {strategy", "logging: {name: \"..\", strategy"),
            (["generate", "--out", "w.sqlite", "--config"], "world.yaml",
             try String(contentsOf: root.appendingPathComponent("datasets/tiny.yaml"), encoding: .utf8), "'name'",
             "name: synthetic-tiny", "name: \"a\\nb\""),
        ]
        for c in cases {
            XCTAssertTrue(c.text.contains(c.old), "\(c.file) has \(c.old)")
            try c.text.replacingOccurrences(of: c.old, with: c.new).write(to: cwd.appendingPathComponent(c.file), atomically: true, encoding: .utf8)
            let before = TestSupport.tree(parent)
            let r = try TestSupport.runReclabBounded(c.command + [c.file, "--quiet"], currentDirectory: cwd)
            assertCleanFailure(r, mentions: [c.file, c.key], "\(c.command) \(c.key)")
            XCTAssertEqual(TestSupport.tree(parent), before, "\(c.command) \(c.key) wrote files")
        }
    }

    // MARK: Result documents

    /// One real A/B run (ab-tiny, a few seconds), made once and copied by the tests that need it.
    // nonisolated(unsafe): XCTest runs one class's tests one at a time (`--parallel` uses separate processes).
    nonisolated(unsafe) private static var abRun: URL?
    private func realABRun() throws -> URL {
        if let run = Self.abRun { return run }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reclab-hostile-ab-\(UUID().uuidString)")
        let r = try TestSupport.runReclab(["simulate", "experiments/ab-tiny.yaml", "--out", dir.path, "--quiet"], currentDirectory: root)
        XCTAssertEqual(r.status, 0, r.stderr)
        Self.abRun = dir
        return dir
    }

    override class func tearDown() {
        if let run = abRun { try? FileManager.default.removeItem(at: run) }
        super.tearDown()
    }

    private func abJSON() throws -> [String: Any] {
        let data = try Data(contentsOf: try realABRun().appendingPathComponent("ab.json"))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testEditedRunIdCannotSteerTheDefaultReportFolder() throws {
        let (parent, cwd) = try sandbox()
        for runId in ["../../../x", "..", "a/b", "ab-\n1", ""] {
            var doc = try abJSON()
            doc["run_id"] = runId
            let file = cwd.appendingPathComponent("ab.json")
            try JSONSerialization.data(withJSONObject: doc).write(to: file)
            let before = TestSupport.tree(parent)
            let r = try TestSupport.runReclabBounded(["report", "ab.json", "--no-charts", "--quiet"], currentDirectory: cwd)
            assertCleanFailure(r, mentions: ["ab.json", "'run_id'"], "run_id \(runId.debugDescription)")
            XCTAssertEqual(TestSupport.tree(parent), before, "run_id \(runId.debugDescription) wrote files")
        }
    }

    /// A real ab.json whose arm, control and dataset names are hostile: the report is drawn with the real
    /// gnuplot, and no command in the names runs.
    func testHostileNamesInAnABDocumentRunNothingThroughGnuplot() throws {
        let (parent, cwd) = try sandbox()
        let marker = parent.appendingPathComponent("MARKER")
        let evil = "d\nsystem(\"touch \(marker.path)\")\n#"
        let evil2 = "p'\r\nsystem('touch \(marker.path)')\n'`touch \(marker.path)`"
        var text = String(decoding: try Data(contentsOf: try realABRun().appendingPathComponent("ab.json")), as: UTF8.self)
        // The arm names are "popular" and "ease" everywhere they appear as JSON strings.
        func json(_ s: String) throws -> String { String(decoding: try JSONSerialization.data(withJSONObject: [s]), as: UTF8.self).dropFirst().dropLast().description }
        text = text.replacingOccurrences(of: "\"popular\"", with: try json(evil)).replacingOccurrences(of: "\"ease\"", with: try json(evil2))
        var doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        var provenance = try XCTUnwrap(doc["provenance"] as? [String: Any])
        var dataset = try XCTUnwrap(provenance["dataset"] as? [String: Any])
        dataset["name"] = "w\n`touch \(marker.path)`"
        provenance["dataset"] = dataset
        doc["provenance"] = provenance
        try JSONSerialization.data(withJSONObject: doc).write(to: cwd.appendingPathComponent("ab.json"))
        XCTAssertTrue(String(decoding: try Data(contentsOf: cwd.appendingPathComponent("ab.json")), as: UTF8.self).contains("system("))

        let r = try TestSupport.runReclabBounded(["report", "ab.json", "--out", "rep", "--quiet"], currentDirectory: cwd)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path), "a name in ab.json ran a command")
        let charts = try FileManager.default.contentsOfDirectory(atPath: cwd.appendingPathComponent("rep/charts").path)
        XCTAssertTrue(charts.contains("lift-forest.png"), "\(charts)")
        let script = try String(contentsOf: cwd.appendingPathComponent("rep/charts/lift-forest.gp"), encoding: .utf8)
        XCTAssertFalse(script.contains("\nsystem("), script)
        XCTAssertEqual(Set(TestSupport.tree(parent).map { $0.split(separator: "/").prefix(3).joined(separator: "/") }),
                       ["a", "a/b", "a/b/ab.json", "a/b/rep"], "wrote only into the report folder")
    }

    // MARK: report --out and the user's files

    func testReportWritesOnlyItsOwnFilesAndRefusesToReplaceOthers() throws {
        let (_, cwd) = try sandbox()
        let run = cwd.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: run.appendingPathComponent("charts"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: try realABRun().appendingPathComponent("ab.json"), to: run.appendingPathComponent("ab.json"))
        let mine = run.appendingPathComponent("charts/my-notes.txt")
        try "keep me".write(to: mine, atomically: true, encoding: .utf8)

        // The report goes into the run's own folder (as the demo does), twice, with and without charts.
        for args in [["--quiet"], ["--quiet"], ["--no-charts", "--quiet"], ["--quiet"]] {
            let r = try TestSupport.runReclab(["report", "run", "--out", "run"] + args, currentDirectory: cwd)
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
            XCTAssertEqual(try String(contentsOf: mine, encoding: .utf8), "keep me", "\(args)")
            XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("ab.json").path))
            XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("tables/arms.csv").path))
            XCTAssertEqual(FileManager.default.fileExists(atPath: run.appendingPathComponent("charts/lift-forest.png").path),
                           !args.contains("--no-charts"), "charts of an earlier report are removed by a --no-charts rewrite")
        }
        let manifest = try String(contentsOf: run.appendingPathComponent(".reclab-report.json"), encoding: .utf8)
        XCTAssertTrue(manifest.contains("charts/lift-forest.png") && !manifest.contains("my-notes"), manifest)

        // A foreign file where the report would write: refused, nothing changed.
        let other = cwd.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other.appendingPathComponent("tables"), withIntermediateDirectories: true)
        let foreign = other.appendingPathComponent("tables/arms.csv")
        try "user's table".write(to: foreign, atomically: true, encoding: .utf8)
        let before = TestSupport.tree(other)
        let r = try TestSupport.runReclabBounded(["report", "run/ab.json", "--out", "other", "--quiet"], currentDirectory: cwd)
        assertCleanFailure(r, mentions: [foreign.lastPathComponent, "not written by reclab report"], "foreign file")
        XCTAssertEqual(try String(contentsOf: foreign, encoding: .utf8), "user's table")
        XCTAssertEqual(TestSupport.tree(other), before)

        // A manifest edited to remove a file outside the report's files is refused before anything happens.
        try #"{"format": "reclab-report-files/1", "files": ["report.md", "../ab.json"], "folders": []}"#
            .write(to: run.appendingPathComponent(".reclab-report.json"), atomically: true, encoding: .utf8)
        let before2 = TestSupport.tree(cwd)
        let r2 = try TestSupport.runReclabBounded(["report", "run", "--out", "run", "--quiet"], currentDirectory: cwd)
        assertCleanFailure(r2, mentions: [".reclab-report.json", "../ab.json"], "edited manifest")
        XCTAssertEqual(TestSupport.tree(cwd), before2)
    }

    // MARK: Output and results locations, checked before any work

    func testUnusableOutputAndResultsLocationsFailBeforeWork() throws {
        let (parent, cwd) = try sandbox()
        let notes = cwd.appendingPathComponent("notes.txt")
        try "my notes\n".write(to: notes, atomically: true, encoding: .utf8)
        let gen = try TestSupport.runReclab(["generate", "--config", root.appendingPathComponent("datasets/tiny.yaml").path,
                                             "--out", cwd.appendingPathComponent("data.sqlite").path, "--quiet"])
        XCTAssertEqual(gen.status, 0, gen.stderr)
        let foreign = cwd.appendingPathComponent("other.sqlite")
        let sqlite = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/env"),
                                         ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(x)'); c.execute('insert into t values (1)'); c.commit()", foreign.path])
        guard sqlite.status == 0 else { throw XCTSkip("needs python3 with sqlite3 to make an unrelated SQLite file: \(sqlite.stderr)") }
        try shipped("tiny.yaml").write(to: cwd.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        try shipped("ab-tiny.yaml").write(to: cwd.appendingPathComponent("ab.yaml"), atomically: true, encoding: .utf8)
        try shipped("ope-tiny.yaml").write(to: cwd.appendingPathComponent("ope.yaml"), atomically: true, encoding: .utf8)
        let protected = [notes, cwd.appendingPathComponent("data.sqlite"), foreign]
        let bytes = try protected.map { try Data(contentsOf: $0) }

        let cases: [(args: [String], mentions: [String])] = [
            (["--out", "notes.txt/sub"], ["notes.txt", "is a file, not a folder"]),
            (["--out", "notes.txt"], ["notes.txt", "is a file, not a folder"]),
            (["--out", "/proc/reclab-test/out"], ["/proc/reclab-test/out", "cannot create the output folder"]),
            (["--out", "o", "--results", "notes.txt"], ["notes.txt", "not an SQLite database"]),
            (["--out", "o", "--results", "data.sqlite"], ["data.sqlite", "dataset store, not a results store"]),
            (["--out", "o", "--results", "other.sqlite"], ["other.sqlite", "not a RecLab results store"]),
            (["--out", "o", "--results", "missing/r.sqlite"], ["missing", "does not exist"]),
        ]
        for command in [["run", "tiny.yaml"], ["simulate", "ab.yaml"], ["ope", "ope.yaml"]] {
            for c in cases {
                let before = TestSupport.tree(parent)
                let r = try TestSupport.runReclabBounded(command + c.args + ["--quiet"], currentDirectory: cwd)
                assertCleanFailure(r, mentions: c.mentions, "\(command[0]) \(c.args)")
                XCTAssertFalse(r.stderr.contains("NSCocoaErrorDomain"), r.stderr)
                XCTAssertEqual(TestSupport.tree(parent), before, "\(command[0]) \(c.args) wrote files")
            }
        }
        // report: an --out under a file fails before gnuplot is run.
        try FileManager.default.copyItem(at: try realABRun().appendingPathComponent("ab.json"), to: cwd.appendingPathComponent("ab.json"))
        let before = TestSupport.tree(parent)
        let r = try TestSupport.runReclabBounded(["report", "ab.json", "--out", "notes.txt/rep", "--quiet"], currentDirectory: cwd)
        assertCleanFailure(r, mentions: ["notes.txt", "is a file, not a folder"], "report --out under a file")
        XCTAssertEqual(TestSupport.tree(parent), before)
        XCTAssertEqual(try protected.map { try Data(contentsOf: $0) }, bytes, "a foreign file was changed")
    }

    /// `report --results DB` reads the store and never writes to it.
    func testReportReadsTheResultsStoreWithoutChangingIt() throws {
        let (_, cwd) = try sandbox()
        let store = try realABRun().appendingPathComponent("results.sqlite")
        let copy = cwd.appendingPathComponent("results.sqlite")
        try FileManager.default.copyItem(at: store, to: copy)
        let bytes = try Data(contentsOf: copy)
        let r = try TestSupport.runReclab(["report", "ab-", "--results", "results.sqlite", "--out", "rep", "--no-charts", "--quiet"],
                                          currentDirectory: cwd)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Data(contentsOf: copy), bytes)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cwd.path).sorted(), ["rep", "results.sqlite"])
    }

    // MARK: runs list / show

    func testRunsFindsABRunsInTheirDefaultFolder() throws {
        let (_, cwd) = try sandbox()
        let target = cwd.appendingPathComponent("reports/ab/x")
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: try realABRun(), to: target)
        let list = try TestSupport.runReclab(["runs", "list"], currentDirectory: cwd)
        XCTAssertEqual(list.status, 0, list.stderr)
        let line = try XCTUnwrap(list.stdout.split(separator: "\n").first { $0.hasPrefix("ab-") }, list.stdout)
        XCTAssertTrue(line.contains("ab-tiny") && line.contains("reports/ab/x/results.sqlite"), String(line))
        let id = String(line.split(separator: " ")[0])
        let show = try TestSupport.runReclab(["runs", "show", String(id.prefix(8))], currentDirectory: cwd)
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("run        \(id)  (ab-tiny)"), show.stdout)
        XCTAssertTrue(show.stdout.contains("arm        popular: most-popular"), show.stdout)
    }
}
