import Foundation
import RecLabTestSupport
import XCTest

/// The tiny configs give the committed outputs in Tests/Golden (made before the results module was split
/// out): the same configs and seeds must keep giving the same documents and printed tables.
final class GoldenOutputsCLITests: XCTestCase {
    static let golden = TestSupport.packageRoot.appendingPathComponent("Tests/Golden")

    /// Lines that name the build or the clock, not the result: dropped from both sides.
    static let volatileKeys = ["\"git_commit\"", "\"reclab_version\"", "\"created_at\"", "\"fit_seconds\"", "\"eval_seconds\""]

    func stable(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { line in !Self.volatileKeys.contains { line.contains($0) } }
            .joined(separator: "\n")
    }

    func check(_ arguments: [String], document: String, stdout goldenStdout: String?) throws {
        let out = try TestSupport.temporaryDirectory(self).appendingPathComponent("out")
        let r = try TestSupport.runReclab(arguments + ["--out", out.path, "--quiet"], currentDirectory: TestSupport.packageRoot)
        XCTAssertEqual(r.status, 0, r.stderr)
        let expected = try String(contentsOf: Self.golden.appendingPathComponent(document), encoding: .utf8)
        let actual = try String(contentsOf: out.appendingPathComponent(document), encoding: .utf8)
        XCTAssertFalse(stable(expected).isEmpty)
        XCTAssertEqual(stable(actual), stable(expected), "\(document) differs from Tests/Golden/\(document)")
        if let goldenStdout {
            let expected = try String(contentsOf: Self.golden.appendingPathComponent(goldenStdout), encoding: .utf8)
            XCTAssertEqual(r.stdout.replacingOccurrences(of: out.path, with: "OUT"), expected,
                           "printed table differs from Tests/Golden/\(goldenStdout)")
        }
    }

    func testOfflineRunGivesTheGoldenMetrics() throws {
        // Its printed table has fit and eval times, so only the document is compared.
        try check(["run", "experiments/tiny.yaml"], document: "metrics.json", stdout: nil)
    }

    func testSimulationGivesTheGoldenDocumentAndTable() throws {
        try check(["simulate", "experiments/ab-tiny.yaml"], document: "ab.json", stdout: "simulate.stdout")
    }

    func testOPEGivesTheGoldenDocumentAndTable() throws {
        try check(["ope", "experiments/ope-tiny.yaml"], document: "ope.json", stdout: "ope.stdout")
    }
}
