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
        // Same keys, strings and counts; numbers equal to 1e-7 relative. Single-precision LAPACK (EASE's threaded
        // Cholesky) sums in an order that depends on OpenBLAS's thread count and the CPU's kernels, which moves
        // some estimates in the 8th digit between machines; any change of method moves them far more.
        let a = try JSONSerialization.jsonObject(with: Data(actual.utf8)), e = try JSONSerialization.jsonObject(with: Data(expected.utf8))
        let differences = Self.differences(a, e, path: document)
        XCTAssertTrue(differences.isEmpty, "\(document) differs from Tests/Golden/\(document):\n" + differences.prefix(10).joined(separator: "\n"))
        if let goldenStdout {
            let expected = try String(contentsOf: Self.golden.appendingPathComponent(goldenStdout), encoding: .utf8)
            XCTAssertEqual(r.stdout.replacingOccurrences(of: out.path, with: "OUT"), expected,
                           "printed table differs from Tests/Golden/\(goldenStdout)")
        }
    }

    /// Where two JSON values differ (volatile keys skipped; numbers compared to 1e-7 relative).
    static func differences(_ a: Any, _ b: Any, path: String) -> [String] {
        switch (a, b) {
        case let (x as [String: Any], y as [String: Any]):
            let keys = Set(x.keys).union(y.keys).filter { key in !volatileKeys.contains("\"\(key)\"") }
            return keys.sorted().flatMap { key -> [String] in
                guard let xv = x[key], let yv = y[key] else { return ["\(path).\(key): present on one side only"] }
                return differences(xv, yv, path: "\(path).\(key)")
            }
        case let (x as [Any], y as [Any]):
            guard x.count == y.count else { return ["\(path): \(x.count) elements, golden \(y.count)"] }
            return zip(x, y).enumerated().flatMap { differences($1.0, $1.1, path: "\(path)[\($0)]") }
        case let (x as NSNumber, y as NSNumber):
            let u = x.doubleValue, v = y.doubleValue
            if u == v || (u.isNaN && v.isNaN) { return [] }
            return abs(u - v) <= 1e-7 * max(1, abs(u), abs(v)) ? [] : ["\(path): \(u), golden \(v)"]
        case let (x as String, y as String):
            return x == y ? [] : ["\(path): \"\(x)\", golden \"\(y)\""]
        case (is NSNull, is NSNull):
            return []
        default:
            return ["\(path): \(a), golden \(b)"]
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
