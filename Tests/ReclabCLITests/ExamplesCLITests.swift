import Foundation
import RecLabTestSupport
import XCTest

/// Every `reclab` example in the README, in `docs/` and in `--help` runs as written: in document order, in
/// one sandbox laid out like the repository (experiments/, datasets/, the committed baseline, and
/// `../shared` beside it), with the release binary on PATH as the README says. An example that fails is
/// reported with its file and line (or command) and what it printed.
///
/// The examples run against the release binary because several of them are real workloads (MovieLens
/// experiments, OPE on ml-latest-small) that take minutes unoptimised; `make test` builds it first and
/// names it in RECLAB_EXAMPLES_BINARY.
final class ExamplesCLITests: XCTestCase {
    struct Example {
        let source: String
        let command: String
    }

    func testEveryDocumentedExampleRunsAsWritten() throws {
        guard let binary = ProcessInfo.processInfo.environment["RECLAB_EXAMPLES_BINARY"], !binary.isEmpty else {
            throw XCTSkip("set RECLAB_EXAMPLES_BINARY to a release build of reclab (`make test` does) to run the documented examples")
        }
        let binaryURL = URL(fileURLWithPath: binary).standardizedFileURL
        guard FileManager.default.isExecutableFile(atPath: binaryURL.path) else {
            XCTFail("RECLAB_EXAMPLES_BINARY=\(binary) is not an executable file")
            return
        }
        let shared = try TestSupport.sharedDataset("").standardizedFileURL

        let examples = try Self.documentedExamples() + Self.helpExamples(binary: binaryURL)
        XCTAssertGreaterThan(examples.count, 20, "the README, docs/ and --help hold the tour's examples")

        // Sandbox: ROOT/work is the working folder (a copy of the repository's inputs), ROOT/shared the datasets.
        let root = try TestSupport.temporaryDirectory(self)
        let work = root.appendingPathComponent("work"), bin = root.appendingPathComponent("bin")
        let fm = FileManager.default
        for dir in [work, bin, work.appendingPathComponent("reports/baseline")] {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        for name in ["experiments", "datasets"] {
            try fm.copyItem(at: TestSupport.packageRoot.appendingPathComponent(name), to: work.appendingPathComponent(name))
        }
        // A copy, so an example that rewrites the baseline cannot touch the committed one.
        try fm.copyItem(at: TestSupport.packageRoot.appendingPathComponent("reports/baseline/ci.json"),
                        to: work.appendingPathComponent("reports/baseline/ci.json"))
        try fm.createSymbolicLink(at: root.appendingPathComponent("shared"), withDestinationURL: shared.deletingLastPathComponent())
        try fm.createSymbolicLink(at: bin.appendingPathComponent("reclab"), withDestinationURL: binaryURL)

        let path = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        var failures: [String] = []
        for example in examples {
            let r = try TestSupport.run(URL(fileURLWithPath: "/bin/sh"), ["-c", example.command],
                                        environment: ["PATH": path, "RECLAB_SHARED_DATASETS": shared.path],
                                        currentDirectory: work)
            if r.status != 0 || r.killedBySignal {
                failures.append("\(example.source): `\(example.command)` exited \(r.status):\n\(r.stderr.suffix(600))")
            }
        }
        XCTAssertTrue(failures.isEmpty, "\(failures.count) of \(examples.count) examples fail as written:\n" + failures.joined(separator: "\n\n"))
    }

    /// `reclab ...` lines of the fenced shell blocks in README.md, then docs/*.md in name order.
    static func documentedExamples() throws -> [Example] {
        let docs = TestSupport.packageRoot.appendingPathComponent("docs")
        let pages = try FileManager.default.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }.sorted()
        var out: [Example] = []
        for relative in ["README.md"] + pages.map({ "docs/" + $0 }) {
            let text = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent(relative), encoding: .utf8)
            var inShell = false
            for (index, line) in text.components(separatedBy: "\n").enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("```") {
                    inShell = !inShell && ["sh", "bash", "shell"].contains(trimmed.dropFirst(3).trimmingCharacters(in: .whitespaces))
                    continue
                }
                if inShell && trimmed.hasPrefix("reclab ") {
                    out.append(Example(source: "\(relative):\(index + 1)", command: trimmed))
                }
            }
        }
        return out
    }

    /// Lines starting with `reclab ` in the "Examples:" part of every command's help, in the order the
    /// commands are listed (`reclab --experimental-dump-help`, the help text unwrapped).
    static func helpExamples(binary: URL) throws -> [Example] {
        let r = try TestSupport.run(binary, ["--experimental-dump-help"])
        guard r.status == 0, let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
              let top = json["command"] as? [String: Any] else {
            XCTFail("reclab --experimental-dump-help did not give the help as JSON: \(r.stderr)")
            return []
        }
        var out: [Example] = []
        func walk(_ command: [String: Any], path: String) {
            if let discussion = command["discussion"] as? String {
                var inExamples = false
                for line in discussion.components(separatedBy: "\n") {
                    let trimmed = line.trimmingCharacters(in: .whitespaces)
                    if trimmed.hasPrefix("Example") && trimmed.hasSuffix(":") { inExamples = true; continue }
                    if inExamples && trimmed.hasPrefix("reclab ") {
                        out.append(Example(source: "`\(path) --help`", command: trimmed))
                    } else if inExamples && !trimmed.isEmpty && !line.hasPrefix(" ") {
                        inExamples = false
                    }
                }
            }
            for sub in command["subcommands"] as? [[String: Any]] ?? [] {
                walk(sub, path: path + " " + (sub["commandName"] as? String ?? "?"))
            }
        }
        walk(top, path: "reclab")
        return out
    }

    /// The extraction itself: examples are found in README, docs and help, and a help example with an
    /// inline comment keeps it (sh ignores it), so the test above cannot pass by finding nothing.
    func testExamplesAreFound() throws {
        let documented = try Self.documentedExamples()
        XCTAssertTrue(documented.contains { $0.source.hasPrefix("README.md:") && $0.command.hasPrefix("reclab run ") }, "\(documented)")
        XCTAssertTrue(documented.contains { $0.source.hasPrefix("docs/") }, "\(documented)")
        let help = try Self.helpExamples(binary: TestSupport.reclabBinary)
        for command in ["import", "generate", "run", "simulate", "report", "check"] {
            XCTAssertTrue(help.contains { $0.command.hasPrefix("reclab \(command) ") }, "no --help example of \(command): \(help)")
        }
    }
}
