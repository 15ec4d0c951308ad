/// Compressed sparse row matrix over contiguous storage: row `r` occupies
/// `rowStart[r] ..< rowStart[r + 1]` of `columns` and `values`, columns ascending within a row.
/// A CSC view of a matrix is the CSR of its transpose (`transposed()`).
public struct SparseMatrix: Sendable {
    public let rowCount: Int
    public let columnCount: Int
    public private(set) var rowStart: [Int]
    public private(set) var columns: [Int32]
    public private(set) var values: [Float]

    public var nonZeroCount: Int { columns.count }

    public init(rowCount: Int, columnCount: Int, rowStart: [Int], columns: [Int32], values: [Float]) {
        precondition(rowStart.count == rowCount + 1 && columns.count == values.count && rowStart.last == columns.count)
        self.rowCount = rowCount; self.columnCount = columnCount
        self.rowStart = rowStart; self.columns = columns; self.values = values
    }

    /// Builds from coordinate triplets in O(nnz + rows) plus per-row sorting. Entries with the same
    /// (row, column) are merged with `combine(existing, new)` in input order.
    public init(rowCount: Int, columnCount: Int, rows: [Int32], cols: [Int32], vals: [Float],
                combine: (Float, Float) -> Float = { _, new in new }) {
        precondition(rows.count == cols.count && cols.count == vals.count)
        let counts = Self.bucketStarts(rows, bucketCount: rowCount)
        var next = counts
        var c = [Int32](repeating: 0, count: rows.count)
        var v = [Float](repeating: 0, count: rows.count)
        for k in 0..<rows.count {
            let r = Int(rows[k])
            c[next[r]] = cols[k]; v[next[r]] = vals[k]
            next[r] += 1
        }
        // Sort each row by column (stable, so merging keeps input order), then merge duplicates.
        var outStart = [Int](repeating: 0, count: rowCount + 1)
        var outC = [Int32](); outC.reserveCapacity(rows.count)
        var outV = [Float](); outV.reserveCapacity(rows.count)
        var order = [Int]()
        for r in 0..<rowCount {
            let lo = counts[r], hi = counts[r + 1]
            order.removeAll(keepingCapacity: true)
            order.append(contentsOf: lo..<hi)
            var sorted = true
            if hi - lo > 1 { for k in (lo + 1)..<hi where c[k] <= c[k - 1] { sorted = false; break } }
            if !sorted { order.sort { c[$0] != c[$1] ? c[$0] < c[$1] : $0 < $1 } }
            for k in order {
                if outC.count > outStart[r], outC.last == c[k] {
                    outV[outV.count - 1] = combine(outV[outV.count - 1], v[k])
                } else {
                    outC.append(c[k]); outV.append(v[k])
                }
            }
            outStart[r + 1] = outC.count
        }
        self.init(rowCount: rowCount, columnCount: columnCount, rowStart: outStart, columns: outC, values: outV)
    }

    @inline(__always) public func range(ofRow r: Int) -> Range<Int> { rowStart[r]..<rowStart[r + 1] }
    @inline(__always) public func count(ofRow r: Int) -> Int { rowStart[r + 1] - rowStart[r] }

    /// Value at (r, c) by binary search in the row, or nil. O(log row length).
    public func value(row r: Int, column c: Int32) -> Float? {
        var lo = rowStart[r], hi = rowStart[r + 1]
        while lo < hi {
            let mid = (lo + hi) / 2
            if columns[mid] < c { lo = mid + 1 } else { hi = mid }
        }
        return lo < rowStart[r + 1] && columns[lo] == c ? values[lo] : nil
    }

    /// The transpose in O(nnz + columns); rows of the result stay sorted.
    public func transposed() -> SparseMatrix {
        let start = Self.bucketStarts(columns, bucketCount: columnCount)
        var next = start
        var tc = [Int32](repeating: 0, count: columns.count)
        var tv = [Float](repeating: 0, count: columns.count)
        for r in 0..<rowCount {
            for k in rowStart[r]..<rowStart[r + 1] {
                let c = Int(columns[k])
                tc[next[c]] = Int32(r); tv[next[c]] = values[k]
                next[c] += 1
            }
        }
        return SparseMatrix(rowCount: columnCount, columnCount: rowCount, rowStart: start, columns: tc, values: tv)
    }

    /// Where each bucket of a counting sort starts: element b + 1 minus element b is how many `keys` equal b
    /// (keys in 0..<bucketCount); the last element is keys.count. O(keys + buckets).
    private static func bucketStarts(_ keys: [Int32], bucketCount: Int) -> [Int] {
        var start = [Int](repeating: 0, count: bucketCount + 1)
        for key in keys { start[Int(key) + 1] += 1 }
        for b in 0..<bucketCount { start[b + 1] += start[b] }
        return start
    }

    /// Same pattern with every value replaced.
    public func mapValues(_ f: (Float) -> Float) -> SparseMatrix {
        SparseMatrix(rowCount: rowCount, columnCount: columnCount, rowStart: rowStart, columns: columns, values: values.map(f))
    }
}
