import RecLabCore

/// Byte-level parsing for the importers: fields are byte ranges into the file's buffer, numbers are
/// parsed from bytes, and a `String` is made only for text that is kept (titles, tags). This keeps the
/// hot loop over ratings free of allocations.

/// One field of a record: `start..<end` in the file's bytes. For a quoted CSV field the range is the
/// text inside the quotes; `escapedQuotes` says it holds doubled quotes (`""`) to undo.
struct FieldSpan {
    var start: Int
    var end: Int
    var escapedQuotes: Bool

    @inline(__always) var count: Int { end - start }
}

/// How the fields of a line are separated.
enum Separator {
    /// RFC 4180 CSV: comma-separated, fields optionally enclosed in double quotes.
    case csv
    /// One byte (tab, pipe), no quoting.
    case byte(UInt8)
    /// The two-byte `::` of ml-1m and ml-10m, no quoting.
    case doubleColon
}

/// Text encodings of MovieLens files: UTF-8 (ml-latest family) or ISO-8859-1 (ml-100k, ml-1m).
enum TextEncoding {
    case utf8
    case latin1
    /// UTF-8 where the field is valid UTF-8, else Latin-1 (ml-10m, whose files mix both).
    case utf8OrLatin1
}

/// Reads records (lines, or CSV records that may span lines inside quotes) from a file's bytes.
///
/// Lines end in `\n` or `\r\n`. A final line without a newline is accepted unless `requireFinalNewline`:
/// then it is reported as truncated, because a file cut short mid-line (an interrupted download or copy)
/// usually still parses, with a wrong last value ("1,2,4.0,96498" for "1,2,4.0,964982703"). Blank lines are
/// an error except at the very end of the file. Complexity: O(bytes), one pass.
struct RecordReader {
    let file: String
    let bytes: UnsafeBufferPointer<UInt8>
    let separator: Separator
    /// Byte offset of the next record.
    private(set) var position: Int
    /// 1-based line number where the next record starts.
    private(set) var nextLine = 1
    /// Line where the record last returned by `next` started.
    private(set) var line = 0
    /// True when the record last returned ended at the end of the file without a newline.
    private(set) var lastRecordUnterminated = false
    /// Whether a last record without a line break is an error (see the type's comment).
    let requireFinalNewline: Bool

    init(file: String, bytes: UnsafeBufferPointer<UInt8>, separator: Separator, requireFinalNewline: Bool = false) {
        self.file = file; self.bytes = bytes; self.separator = separator; self.requireFinalNewline = requireFinalNewline
        // Skip a UTF-8 byte order mark.
        position = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    }

    var isAtEnd: Bool { position >= bytes.count }

    func error(_ message: String, line: Int? = nil) -> RecLabError {
        RecLabError.input(message, file: file, line: line ?? self.line)
    }

    /// Reads the next record's fields into `fields` (cleared first). Returns false at the end of the file.
    mutating func next(into fields: inout [FieldSpan]) throws -> Bool {
        fields.removeAll(keepingCapacity: true)
        let n = bytes.count
        guard position < n else { return false }
        line = nextLine
        if bytes[position] == 0x0A || (bytes[position] == 0x0D && position + 1 < n && bytes[position + 1] == 0x0A) {
            // A blank line: fine only if nothing but blank lines follow.
            var p = position
            while p < n && (bytes[p] == 0x0A || bytes[p] == 0x0D) { p += 1 }
            if p == n { position = n; return false }
            throw error("blank line inside the data")
        }
        switch separator {
        case .csv: try nextCSV(into: &fields)
        case .byte(let s): nextSplit(into: &fields, sep: s, double: false)
        case .doubleColon: nextSplit(into: &fields, sep: 0x3A, double: true)
        }
        if lastRecordUnterminated && requireFinalNewline {
            throw error("truncated line: the file ends inside this line (no final line break), so it may be cut short; "
                        + "add the line break if the line is complete")
        }
        return true
    }

    /// Ends the line at `p` (which points at `\n`, or `\r\n`, or the end). Returns the content end.
    @inline(__always)
    private mutating func finishLine(at p: Int) -> Int {
        let n = bytes.count
        if p >= n {
            position = n
            lastRecordUnterminated = true
            return p
        }
        lastRecordUnterminated = false
        position = p + 1
        nextLine += 1
        return p > 0 && bytes[p - 1] == 0x0D ? p - 1 : p
    }

    private mutating func nextSplit(into fields: inout [FieldSpan], sep: UInt8, double: Bool) {
        let n = bytes.count
        var p = position
        var start = p
        while p < n {
            let b = bytes[p]
            if b == 0x0A { break }
            if b == sep {
                if !double {
                    fields.append(FieldSpan(start: start, end: p, escapedQuotes: false))
                    p += 1; start = p; continue
                }
                if p + 1 < n && bytes[p + 1] == sep {
                    fields.append(FieldSpan(start: start, end: p, escapedQuotes: false))
                    p += 2; start = p; continue
                }
            }
            p += 1
        }
        let end = finishLine(at: p)
        fields.append(FieldSpan(start: start, end: max(start, end), escapedQuotes: false))
    }

    /// RFC 4180: a field is either unquoted (no `"` inside) or enclosed in quotes, with `""` for a quote;
    /// quoted fields may hold commas and line breaks. Anything else is reported as bad quoting.
    private mutating func nextCSV(into fields: inout [FieldSpan]) throws {
        let n = bytes.count
        var p = position
        while true {
            if p < n && bytes[p] == 0x22 {
                // Quoted field.
                let openLine = nextLine
                p += 1
                let start = p
                var escaped = false
                while true {
                    guard p < n else {
                        throw error("bad quoting: the quoted field opened on line \(openLine) is never closed", line: openLine)
                    }
                    let b = bytes[p]
                    if b == 0x22 {
                        if p + 1 < n && bytes[p + 1] == 0x22 { escaped = true; p += 2; continue }
                        break
                    }
                    if b == 0x0A { nextLine += 1 }
                    p += 1
                }
                fields.append(FieldSpan(start: start, end: p, escapedQuotes: escaped))
                p += 1 // closing quote
                if p >= n || bytes[p] == 0x0A || (bytes[p] == 0x0D && (p + 1 >= n || bytes[p + 1] == 0x0A)) {
                    if p < n && bytes[p] == 0x0D { p += 1 }
                    _ = finishLine(at: p)
                    return
                }
                guard bytes[p] == 0x2C else {
                    throw error("bad quoting: unexpected character after the closing quote of field \(fields.count)", line: nextLine)
                }
                p += 1
                continue
            }
            // Unquoted field.
            let start = p
            while p < n {
                let b = bytes[p]
                if b == 0x2C || b == 0x0A { break }
                if b == 0x22 {
                    throw error("bad quoting: a quote inside unquoted field \(fields.count + 1) (quote the whole field and double the inner quote)", line: nextLine)
                }
                p += 1
            }
            if p < n && bytes[p] == 0x2C {
                fields.append(FieldSpan(start: start, end: p, escapedQuotes: false))
                p += 1
                continue
            }
            let end = finishLine(at: p)
            fields.append(FieldSpan(start: start, end: max(start, end), escapedQuotes: false))
            return
        }
    }

    // MARK: field values

    /// The field's bytes as text (undoing doubled quotes), decoded per `encoding`. UTF-8 input must have
    /// been validated before (see `UTF8Check`).
    func text(_ f: FieldSpan, _ encoding: TextEncoding) -> String {
        let slice = UnsafeBufferPointer(rebasing: bytes[f.start..<f.end])
        if f.escapedQuotes {
            var out = [UInt8]()
            out.reserveCapacity(f.count)
            var i = 0
            while i < slice.count {
                out.append(slice[i])
                i += slice[i] == 0x22 ? 2 : 1
            }
            return out.withUnsafeBufferPointer { decode($0, encoding) }
        }
        return decode(slice, encoding)
    }

    private func decode(_ s: UnsafeBufferPointer<UInt8>, _ encoding: TextEncoding) -> String {
        switch encoding {
        case .utf8: return String(decoding: s, as: UTF8.self)
        case .latin1: return latin1String(s)
        case .utf8OrLatin1: return UTF8Check.firstInvalid(s) == nil ? String(decoding: s, as: UTF8.self) : latin1String(s)
        }
    }

    private func latin1String(_ s: UnsafeBufferPointer<UInt8>) -> String {
        var ascii = true
        for b in s where b >= 0x80 { ascii = false; break }
        if ascii { return String(decoding: s, as: UTF8.self) }
        var scalars = String.UnicodeScalarView()
        for b in s { scalars.append(Unicode.Scalar(b)) }
        return String(scalars)
    }

    /// A short, printable rendering of a field for error messages.
    func shown(_ f: FieldSpan) -> String {
        let s = text(FieldSpan(start: f.start, end: min(f.end, f.start + 40), escapedQuotes: f.escapedQuotes), .utf8OrLatin1)
        return "'" + s + (f.count > 40 ? "..." : "") + "'"
    }

    /// A non-negative decimal integer (ids).
    @inline(__always)
    func id(_ f: FieldSpan, column: String) throws -> Int64 {
        guard f.count > 0, f.count <= 18 else { throw notInteger(f, column) }
        var v: Int64 = 0
        for p in f.start..<f.end {
            let d = bytes[p] &- 0x30
            guard d < 10 else { throw notInteger(f, column) }
            v = v &* 10 &+ Int64(d)
        }
        return v
    }

    /// A decimal integer with an optional leading minus (Unix timestamps).
    @inline(__always)
    func integer(_ f: FieldSpan, column: String) throws -> Int64 {
        if f.count > 1 && bytes[f.start] == 0x2D {
            return -(try id(FieldSpan(start: f.start + 1, end: f.end, escapedQuotes: false), column: column))
        }
        return try id(f, column: column)
    }

    private func notInteger(_ f: FieldSpan, _ column: String) -> RecLabError {
        f.count == 0 ? error("column '\(column)' is empty, expected an integer")
            : error("column '\(column)': \(shown(f)) is not an integer")
    }

    /// A plain decimal number `digits[.digits]` (ratings); no sign, exponent or spaces.
    @inline(__always)
    func decimal(_ f: FieldSpan, column: String) throws -> Double {
        var whole: Int64 = 0, frac: Int64 = 0, scale: Int64 = 1
        var p = f.start
        var digits = 0
        while p < f.end, bytes[p] &- 0x30 < 10 { whole = whole &* 10 &+ Int64(bytes[p] &- 0x30); p += 1; digits += 1 }
        if p < f.end && bytes[p] == 0x2E {
            p += 1
            while p < f.end, bytes[p] &- 0x30 < 10, scale < 1_000_000_000 {
                frac = frac &* 10 &+ Int64(bytes[p] &- 0x30); scale &*= 10; p += 1; digits += 1
            }
        }
        guard p == f.end, digits > 0, digits <= 18 else {
            if f.count == 0 { throw error("column '\(column)' is empty, expected a number") }
            throw error("column '\(column)': \(shown(f)) is not a number")
        }
        return Double(whole) + Double(frac) / Double(scale)
    }
}

/// UTF-8 validation (Unicode 15, table 3-7: no overlongs, no surrogates, nothing above U+10FFFF),
/// with an 8-bytes-at-a-time fast path over ASCII, which is nearly all of MovieLens.
enum UTF8Check {
    /// Offset of the first byte that starts an invalid sequence, or nil when `s` is valid UTF-8.
    static func firstInvalid(_ s: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = s.count
        guard let base = s.baseAddress else { return nil }
        var i = 0
        while i < n {
            if i + 8 <= n {
                let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 { i += 8; continue }
            }
            let b = s[i]
            if b < 0x80 { i += 1; continue }
            var need = 0
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lo = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; hi = 0x9F
            case 0xF0: need = 3; lo = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; hi = 0x8F
            default: return i
            }
            guard i + need < n else { return i }
            let c1 = s[i + 1]
            guard c1 >= lo && c1 <= hi else { return i }
            for k in 2..<(need + 1) where s[i + k] & 0xC0 != 0x80 { return i }
            i += need + 1
        }
        return nil
    }

    /// Throws an input error naming the line of the first invalid byte.
    static func validate(_ s: UnsafeBufferPointer<UInt8>, file: String) throws {
        guard let bad = firstInvalid(s) else { return }
        var line = 1
        for k in 0..<bad where s[k] == 0x0A { line += 1 }
        let hex = String(s[bad], radix: 16, uppercase: true)
        throw RecLabError.input("invalid UTF-8 (byte 0x\(hex) at offset \(bad)); the file must be UTF-8 encoded", file: file, line: line)
    }
}

/// External id -> dense index, for ids of a file (movies, users). MovieLens ids are small positive
/// integers, so a flat array does it in O(1) without hashing; very large ids fall back to a dictionary.
struct DenseIdIndex {
    private static let flatLimit: Int64 = 1 << 24
    private var flat: [Int32] = []
    private var spill: [Int64: Int32] = [:]
    /// External id of each dense index, in insertion order.
    private(set) var ids: [Int64] = []

    var count: Int { ids.count }

    @inline(__always)
    func index(of id: Int64) -> Int32? {
        if id >= 0 && id < Int64(flat.count) {
            let v = flat[Int(id)]
            return v >= 0 ? v : nil
        }
        return id >= 0 && id < DenseIdIndex.flatLimit ? nil : spill[id]
    }

    /// Returns the index of `id`, adding it when new.
    @inline(__always)
    mutating func insert(_ id: Int64) -> (index: Int32, inserted: Bool) {
        if let i = index(of: id) { return (i, false) }
        let i = Int32(ids.count)
        if id >= 0 && id < DenseIdIndex.flatLimit {
            if Int(id) >= flat.count {
                let newCount = max(Int(id) + 1, min(Int(DenseIdIndex.flatLimit), flat.count * 2))
                flat.append(contentsOf: repeatElement(-1, count: newCount - flat.count))
            }
            flat[Int(id)] = i
        } else {
            spill[id] = i
        }
        ids.append(id)
        return (i, true)
    }
}
