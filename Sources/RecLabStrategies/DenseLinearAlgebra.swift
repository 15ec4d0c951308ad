import CBLAS
import Foundation

/// Small dense kernels for the factorisation strategies. Matrices are row-major `Float` buffers.
/// Everything here is single-threaded and has a fixed operation order, so the same input always gives
/// the same bits whichever worker thread runs it (the strategies parallelise over users or items).
enum DenseLinearAlgebra {
    /// Dot product of `n` floats with four independent accumulators (a fixed order, so deterministic),
    /// which lets the compiler keep them in registers. O(n).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var f = 0
        while f + 4 <= n {
            s0 += a[f] * b[f]; s1 += a[f + 1] * b[f + 1]
            s2 += a[f + 2] * b[f + 2]; s3 += a[f + 3] * b[f + 3]
            f += 4
        }
        while f < n { s0 += a[f] * b[f]; f += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// `y += alpha * x` over `n` floats. O(n).
    @inline(__always)
    static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for f in 0..<n { y[f] += alpha * x[f] }
    }

    /// In-place Cholesky factorisation `A = L L^T` of the symmetric positive definite `n x n` matrix `a`
    /// (row-major; only the lower triangle is read, L overwrites it). Returns false when a pivot is not
    /// positive (the matrix is not numerically positive definite). O(n^3 / 3).
    static func choleskyFactor(_ a: UnsafeMutablePointer<Float>, _ n: Int) -> Bool {
        for j in 0..<n {
            let rowJ = a + j * n
            var d = rowJ[j] - dot(UnsafePointer(rowJ), UnsafePointer(rowJ), j)
            guard d > 0, d.isFinite else { return false }
            d = d.squareRoot()
            rowJ[j] = d
            let inv = 1 / d
            for i in (j + 1)..<max(j + 1, n) {
                let rowI = a + i * n
                rowI[j] = (rowI[j] - dot(UnsafePointer(rowI), UnsafePointer(rowJ), j)) * inv
            }
        }
        return true
    }

    /// Solves `L L^T x = b` in place in `b`, with `l` from `choleskyFactor`. O(n^2).
    static func choleskySolve(_ l: UnsafePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ n: Int) {
        // Forward: L y = b.
        for i in 0..<n {
            let row = l + i * n
            b[i] = (b[i] - dot(row, UnsafePointer(b), i)) / row[i]
        }
        // Backward: L^T x = y (column i of L^T is row i of L, read with stride n).
        var i = n - 1
        while i >= 0 {
            var s = b[i]
            var r = i + 1
            while r < n { s -= l[r * n + i] * b[r]; r += 1 }
            b[i] = s / l[i * n + i]
            i -= 1
        }
    }

    /// Solves the SPD system `a x = b` (a is destroyed, x replaces b). When `a` is not numerically
    /// positive definite, retries with a growing ridge on the diagonal (`scratch` holds a copy), which
    /// only happens for degenerate inputs such as all-zero factors. Returns false if that fails too.
    @discardableResult
    static func solveSPD(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ n: Int,
                         scratch: UnsafeMutablePointer<Float>) -> Bool {
        scratch.update(from: a, count: n * n)
        if choleskyFactor(a, n) { choleskySolve(UnsafePointer(a), b, n); return true }
        var ridge: Float = 1e-6
        var trace: Float = 0
        for i in 0..<n { trace += scratch[i * n + i] }
        let scale = max(trace / Float(max(n, 1)), 1)
        for _ in 0..<8 {
            a.update(from: scratch, count: n * n)
            for i in 0..<n { a[i * n + i] += ridge * scale }
            if choleskyFactor(a, n) { choleskySolve(UnsafePointer(a), b, n); return true }
            ridge *= 100
        }
        return false
    }

    /// `y += a x` for the row-major `rows x columns` matrix `a`, through BLAS `sgemv` on blocks of rows
    /// small enough (under 8192 entries) that OpenBLAS runs each call on the calling thread. Callers are
    /// often already parallel (scoring users concurrently, per-user solves), and OpenBLAS's own threads
    /// on top of them oversubscribe the cores (measured: about 2x slower fits and scoring on 2 cores).
    /// Each output element is one dot product, so blocking does not change the result. O(rows * columns).
    static func multiplyRows(_ a: UnsafePointer<Float>, rows: Int, columns: Int, by x: UnsafePointer<Float>,
                             addingInto y: UnsafeMutablePointer<Float>) {
        guard rows > 0, columns > 0 else { return }
        let block = max(1, 8192 / columns)
        var lo = 0
        while lo < rows {
            let n = min(block, rows - lo)
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(columns), 1, a + lo * columns, Int32(columns),
                        x, 1, 1, y + lo, 1)
            lo += n
        }
    }

    /// `y = a^T t` for the row-major `rows x columns` matrix `a`, as a plain loop over rows (fixed order;
    /// cheap next to the Gram matrix, and no BLAS threading inside parallel callers). O(rows * columns).
    static func multiplyTransposed(_ a: UnsafePointer<Float>, rows: Int, columns: Int, by t: UnsafePointer<Float>,
                                   into y: UnsafeMutablePointer<Float>) {
        y.update(repeating: 0, count: columns)
        for r in 0..<rows { axpy(t[r], a + r * columns, y, columns) }
    }

    /// `g = z^T z` (full symmetric `n x n`) for `z` with `rows` rows of `n` floats, as rank-1 updates of
    /// the lower triangle four rows at a time (so each `g` entry is loaded and stored once per four rows),
    /// then mirrored. Plain loops on purpose: this runs inside parallel per-user solves, where OpenBLAS's
    /// `ssyrk` would start its own threads on every call (it has no size threshold) and oversubscribe the
    /// cores. Fixed order, so deterministic. O(rows n^2 / 2).
    static func gramLower(_ z: UnsafePointer<Float>, rows: Int, n: Int, into g: UnsafeMutablePointer<Float>) {
        g.update(repeating: 0, count: n * n)
        var r = 0
        while r + 4 <= rows {
            let z0 = z + r * n, z1 = z0 + n, z2 = z1 + n, z3 = z2 + n
            for a in 0..<n {
                let s0 = z0[a], s1 = z1[a], s2 = z2[a], s3 = z3[a]
                let row = g + a * n
                for b in 0...a { row[b] += s0 * z0[b] + s1 * z1[b] + s2 * z2[b] + s3 * z3[b] }
            }
            r += 4
        }
        while r < rows {
            let z0 = z + r * n
            for a in 0..<n {
                let s0 = z0[a], row = g + a * n
                for b in 0...a { row[b] += s0 * z0[b] }
            }
            r += 1
        }
        for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { g[i * n + j] = g[j * n + i] } }
    }

    /// `k = z z^T` (full symmetric `rows x rows`) for `z` with `rows` rows of `n` floats: one dot
    /// product per pair. For the push-through solves of rows with few ratings. O(rows^2 n / 2).
    static func outerGram(_ z: UnsafePointer<Float>, rows: Int, n: Int, into k: UnsafeMutablePointer<Float>) {
        for i in 0..<rows {
            for j in 0...i {
                let v = dot(z + i * n, z + j * n, n)
                k[i * rows + j] = v
                k[j * rows + i] = v
            }
        }
    }

    /// `g = z^T z` for `z` with `rows` rows of `n` floats (row-major), through BLAS `ssyrk` (lower
    /// triangle, then mirrored). For large single calls outside parallel regions (the implicit-ALS
    /// `Y^T Y`), where OpenBLAS's threads help. O(rows n^2 / 2).
    static func gram(_ z: UnsafePointer<Float>, rows: Int, n: Int, into g: UnsafeMutablePointer<Float>) {
        guard rows > 0 else { g.update(repeating: 0, count: n * n); return }
        // Row-major z^T z: C = A^T A with A (rows x n), i.e. Trans with k = rows.
        cblas_ssyrk(CblasRowMajor, CblasLower, CblasTrans, Int32(n), Int32(rows), 1, z, Int32(n), 0, g, Int32(n))
        for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { g[i * n + j] = g[j * n + i] } }
    }

    /// Conjugate-gradient iterations on the SPD system `A x = b`, warm-started from `x`, where `A` is
    /// given only as a product `multiply(v, out)` (Hestenes and Stiefel 1952; used for implicit ALS by
    /// Takács, Pilászy and Tikk 2011). Runs at most `steps` iterations and stops early once the residual
    /// norm squared falls below `tolerance`. `work` needs `3 n` floats. O(steps * cost(multiply)).
    static func conjugateGradient(steps: Int, n: Int, b: UnsafePointer<Float>, x: UnsafeMutablePointer<Float>,
                                  work: UnsafeMutablePointer<Float>, tolerance: Float = 1e-20,
                                  multiply: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        let r = work, p = work + n, ap = work + 2 * n
        multiply(UnsafePointer(x), ap)
        for f in 0..<n { r[f] = b[f] - ap[f]; p[f] = r[f] }
        var rsOld = dot(UnsafePointer(r), UnsafePointer(r), n)
        for _ in 0..<steps {
            if rsOld < tolerance { return }
            multiply(UnsafePointer(p), ap)
            let pAp = dot(UnsafePointer(p), UnsafePointer(ap), n)
            guard pAp > 0, pAp.isFinite else { return }
            let alpha = rsOld / pAp
            for f in 0..<n { x[f] += alpha * p[f]; r[f] -= alpha * ap[f] }
            let rsNew = dot(UnsafePointer(r), UnsafePointer(r), n)
            let beta = rsNew / rsOld
            for f in 0..<n { p[f] = r[f] + beta * p[f] }
            rsOld = rsNew
        }
    }
}

/// OpenBLAS's thread count, chosen per call site: its own threads for big single calls outside parallel
/// regions (the EASE fit's Cholesky and inverse, implicit ALS's `Y^T Y`), one thread inside work that RecLab
/// already runs on every core (scoring users in parallel blocks). Without this, each BLAS call made by a
/// parallel worker starts OpenBLAS's threads too and the two pools fight for the cores (measured on a 12k-title
/// world: EASE ranking 28.9 s by default against 5.85 s single-threaded, system time 27.5 s against 0.7 s).
/// OpenBLAS keeps one process-wide setting, so nested and concurrent scopes are counted and the library's
/// count is restored when the last one ends; the setting changes speed only, never results (OpenBLAS splits
/// matrix products by rows and columns, not along the summed dimension).
public enum BLASThreads {
    private static let state = ScopeCounter()

    /// OpenBLAS's current thread count.
    public static var libraryCount: Int { Int(openblas_get_num_threads()) }

    public static func singleThreaded<T>(_ body: () throws -> T) rethrows -> T {
        begin()
        defer { end() }
        return try body()
    }

    /// Opens a single-thread scope; every `begin` needs its `end` (prefer `singleThreaded`).
    public static func begin() { state.enter { openblas_get_num_threads() } set: { openblas_set_num_threads(1) } }
    public static func end() { state.leave { openblas_set_num_threads($0) } }
}

/// Counts open single-thread scopes and remembers the count to restore (a lock, not a global variable).
final class ScopeCounter: @unchecked Sendable {  // safe: `depth` and `saved` are only touched under `lock`
    private let lock = NSLock()
    private var depth = 0
    private var saved: Int32 = 1

    func enter(read: () -> Int32, set: () -> Void) {
        lock.lock(); defer { lock.unlock() }
        if depth == 0 { saved = read(); set() }
        depth += 1
    }

    func leave(restore: (Int32) -> Void) {
        lock.lock(); defer { lock.unlock() }
        depth -= 1
        if depth == 0 { restore(saved) }
    }
}
