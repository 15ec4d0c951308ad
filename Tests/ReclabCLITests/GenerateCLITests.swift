import Foundation
import RecLabTestSupport
import XCTest

final class GenerateCLITests: XCTestCase {
    private var tinyConfig: String { TestSupport.packageRoot.appendingPathComponent("datasets/tiny.yaml").path }

    private func hash(in output: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix("content_hash:") }
            .map { $0.split(separator: " ").last.map(String.init) ?? "" }
    }

    func testGenerateIsDeterministicAcrossRunsAndThreadCounts() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        var hashes: [String] = []
        for (k, threads) in ["1", "3"].enumerated() {
            let out = dir.appendingPathComponent("t\(k).sqlite").path
            let r = try TestSupport.runReclab(["generate", "--out", out, "--config", tinyConfig, "--quiet"],
                                              environment: ["RECLAB_THREADS": threads])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("users:        300"), r.stdout)
            XCTAssertTrue(r.stderr.isEmpty, "--quiet prints no progress: \(r.stderr)")
            hashes.append(try XCTUnwrap(hash(in: r.stdout)))
        }
        XCTAssertEqual(hashes[0], hashes[1])
        XCTAssertEqual(hashes[0].count, 64)

        // Overrides apply on top of the config and change the world.
        let other = dir.appendingPathComponent("o.sqlite").path
        let r = try TestSupport.runReclab(["generate", "--out", other, "--config", tinyConfig, "--users", "50", "--seed", "8", "-q"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("users:        50"), r.stdout)
        XCTAssertNotEqual(hash(in: r.stdout), hashes[0])
    }

    func testRefusesOverwriteWithoutForceAndReportsConfigErrors() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let out = dir.appendingPathComponent("t.sqlite").path
        XCTAssertEqual(try TestSupport.runReclab(["generate", "--out", out, "--config", tinyConfig, "-q"]).status, 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: out))
        let again = try TestSupport.runReclab(["generate", "--out", out, "--config", tinyConfig, "--seed", "1", "-q"])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("--force"), again.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), before)
        let forced = try TestSupport.runReclab(["generate", "--out", out, "--config", tinyConfig, "--seed", "1", "--force", "-q"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: out)), before)

        let bad = dir.appendingPathComponent("bad.yaml")
        try "users: 10\nactivity:\n  visits: 0.2\n".write(to: bad, atomically: true, encoding: .utf8)
        let badOut = dir.appendingPathComponent("b.sqlite").path
        let r = try TestSupport.runReclab(["generate", "--out", badOut, "--config", bad.path, "-q"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("bad.yaml:3"), r.stderr)
        XCTAssertTrue(r.stderr.contains("activity.visits"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: badOut))

        let usage = try TestSupport.runReclab(["generate", "--out", badOut, "--users", "0"])
        XCTAssertNotEqual(usage.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: badOut))
    }
}
