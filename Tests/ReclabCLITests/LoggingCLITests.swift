import Foundation
import RecLabTestSupport
import XCTest

/// What the CLI's log handler writes to standard error: the plain lines users and scripts read (no level,
/// time or label added by swift-log), progress dropped by --quiet, warnings kept.
final class LoggingCLITests: XCTestCase {
    func testProgressLinesArePlainTextOnStandardError() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let config = TestSupport.packageRoot.appendingPathComponent("datasets/tiny.yaml").path
        let r = try TestSupport.runReclab(["generate", "--out", dir.appendingPathComponent("t.sqlite").path, "--config", config])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        XCTAssertFalse(lines.isEmpty, "progress is shown without --quiet")
        for line in lines { XCTAssertTrue(line.hasPrefix("[generate] "), "a plain progress line: \(line)") }
        XCTAssertTrue(lines.last?.hasPrefix("[generate] 300/300 (100%) done in ") ?? false, r.stderr)
        XCTAssertFalse(r.stdout.contains("[generate]"), "progress never mixes with standard output")
    }

    func testQuietKeepsTheDevelopmentKeyWarning() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let fixture = TestSupport.packageRoot.appendingPathComponent("Tests/RecLabStoreTests/Fixtures/latest-ok").path
        // No key at all: the import uses the development key and says so, even with --quiet.
        let r = try TestSupport.runReclab(["import", fixture, "--out", dir.appendingPathComponent("d.sqlite").path, "--quiet"],
                                          environment: ["RECLAB_PSEUDONYM_KEY": "", "RECLAB_PSEUDONYM_KEY_FILE": ""])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "warning: pseudonymising user ids with the built-in development key; set RECLAB_PSEUDONYM_KEY "
                       + "or RECLAB_PSEUDONYM_KEY_FILE to a secret key for real data\n")
    }
}
