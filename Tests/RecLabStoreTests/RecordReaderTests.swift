@testable import RecLabImport
import RecLabCore
import XCTest

/// The byte-level record reader on small inputs, field by field.
final class RecordReaderTests: XCTestCase {
    private func records(_ text: [UInt8], _ separator: Separator) throws -> [[String]] {
        try text.withUnsafeBufferPointer { buf in
            var reader = RecordReader(file: "t", bytes: buf, separator: separator)
            var fields: [FieldSpan] = []
            var out: [[String]] = []
            while try reader.next(into: &fields) { out.append(fields.map { reader.text($0, .utf8) }) }
            return out
        }
    }

    private func records(_ text: String, _ separator: Separator = .csv) throws -> [[String]] {
        try records(Array(text.utf8), separator)
    }

    func testCSVQuotingAndLineEnds() throws {
        XCTAssertEqual(try records("a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n,\n"), [["a", "b"], ["x,y", "say \"hi\""], ["", ""]])
        // Last record without a newline, ending in a quoted field; a quoted field spanning lines.
        XCTAssertEqual(try records("1,\"two\nlines\"\n2,\"end\""), [["1", "two\nlines"], ["2", "end"]])
        // Byte order mark skipped; trailing blank lines ignored.
        XCTAssertEqual(try records([0xEF, 0xBB, 0xBF] + Array("id\n7\n\n\r\n".utf8), .csv), [["id"], ["7"]])
        XCTAssertThrowsError(try records("a,\"b\"c\n")) { e in
            XCTAssertTrue((e as! RecLabError).message.contains("unexpected character after the closing quote"))
        }
    }

    func testFinalLineBreakRequiredWhenAsked() throws {
        func read(_ text: String, strict: Bool) throws -> Int {
            let bytes = Array(text.utf8)
            return try bytes.withUnsafeBufferPointer { buf in
                var reader = RecordReader(file: "t", bytes: buf, separator: .byte(0x09), requireFinalNewline: strict)
                var fields: [FieldSpan] = []
                var n = 0
                while try reader.next(into: &fields) { n += 1 }
                return n
            }
        }
        XCTAssertEqual(try read("1\t2\n3\t4", strict: false), 2)
        XCTAssertEqual(try read("1\t2\n3\t4\n", strict: true), 2)
        XCTAssertEqual(try read("1\t2\r\n3\t4\r\n\n", strict: true), 2, "CRLF and trailing blank lines are terminated")
        XCTAssertThrowsError(try read("1\t2\n3\t4", strict: true)) { e in
            let e = e as! RecLabError
            XCTAssertEqual(e.line, 2)
            XCTAssertTrue(e.message.hasPrefix("truncated line"), e.message)
        }
    }

    func testSeparatedFormats() throws {
        XCTAssertEqual(try records("1::Heat: The Movie (1995)::Action|Crime\n", .doubleColon), [["1", "Heat: The Movie (1995)", "Action|Crime"]])
        XCTAssertEqual(try records("196\t242\t3\t881250949\n", .byte(0x09)), [["196", "242", "3", "881250949"]])
        // No quoting outside CSV: quotes are ordinary characters.
        XCTAssertEqual(try records("1|\"quoted\"|x\n", .byte(0x7C)), [["1", "\"quoted\"", "x"]])
    }

    func testNumbers() throws {
        let text = Array("42,-7,3.5,4,x1,,0.25".utf8)
        try text.withUnsafeBufferPointer { buf in
            var reader = RecordReader(file: "t", bytes: buf, separator: .csv)
            var f: [FieldSpan] = []
            XCTAssertTrue(try reader.next(into: &f))
            XCTAssertEqual(try reader.id(f[0], column: "c"), 42)
            XCTAssertEqual(try reader.integer(f[1], column: "c"), -7)
            XCTAssertThrowsError(try reader.id(f[1], column: "c"), "ids are not negative")
            XCTAssertEqual(try reader.decimal(f[2], column: "c"), 3.5)
            XCTAssertEqual(try reader.decimal(f[3], column: "c"), 4)
            XCTAssertEqual(try reader.decimal(f[6], column: "c"), 0.25)
            XCTAssertThrowsError(try reader.id(f[4], column: "c"))
            XCTAssertThrowsError(try reader.decimal(f[5], column: "c")) { e in
                XCTAssertTrue((e as! RecLabError).message.contains("column 'c' is empty"))
            }
        }
    }

    func testUTF8Validation() {
        func firstInvalid(_ bytes: [UInt8]) -> Int? { bytes.withUnsafeBufferPointer { UTF8Check.firstInvalid($0) } }
        XCTAssertNil(firstInvalid(Array("plain ascii text, long enough for the fast path".utf8)))
        XCTAssertNil(firstInvalid(Array("Cité 東京 🎬".utf8)))
        XCTAssertEqual(firstInvalid(Array("abcdefghij".utf8) + [0xC3]), 10, "truncated sequence")
        XCTAssertEqual(firstInvalid([0x41, 0xC0, 0x80]), 1, "overlong")
        XCTAssertEqual(firstInvalid([0xED, 0xA0, 0x80]), 0, "surrogate")
        XCTAssertEqual(firstInvalid([0xF4, 0x90, 0x80, 0x80]), 0, "above U+10FFFF")
    }

    func testYearFromTitle() {
        XCTAssertEqual(yearFromTitle("Toy Story (1995)"), 1995)
        XCTAssertEqual(yearFromTitle("Babylon 5"), nil)
        XCTAssertEqual(yearFromTitle("Fawlty Towers (1975-1979)"), 1975)
        XCTAssertEqual(yearFromTitle("Stranger Things (2016–)"), 2016)
        XCTAssertEqual(yearFromTitle("Ready Player One (2018) "), 2018)
        XCTAssertEqual(yearFromTitle("Brazil (Director's cut)"), nil)
    }
}
