import CBLAS

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

    /// Lower triangle of `g = z^T z` for `z` with `rows` rows of `n` floats (row-major), through BLAS
    /// `ssyrk`; the upper triangle is then mirrored so `g` is a full symmetric matrix. O(rows n^2 / 2).
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
