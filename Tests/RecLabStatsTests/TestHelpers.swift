import XCTest

/// Asserts |actual - expected| ≤ relative · max(|expected|, tiny) (a relative tolerance that still works at 0).
func assertClose(_ actual: Double, _ expected: Double, relative: Double = 1e-12, absolute: Double = 0,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    if expected.isInfinite || expected.isNaN {
        XCTAssertTrue(actual == expected || (actual.isNaN && expected.isNaN),
                      "\(message) expected \(expected), got \(actual)", file: file, line: line)
        return
    }
    let tolerance = max(relative * abs(expected), absolute)
    XCTAssertLessThanOrEqual(abs(actual - expected), tolerance == 0 ? 1e-300 : tolerance,
                             "\(message) expected \(expected), got \(actual)", file: file, line: line)
}
