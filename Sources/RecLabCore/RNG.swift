import Foundation

/// xoshiro256** (Blackman and Vigna, "Scrambled linear pseudorandom number generators", 2018),
/// seeded through SplitMix64. Fast, 256-bit state, and identical on every platform, which is what
/// reproducible experiments need (the system generator is neither seedable nor stable).
public struct SeededRandom: RandomNumberGenerator, Sendable {
    // Usable from inlinable code so the hot draws inline across modules (generator and simulator loops).
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var sm = seed
        func splitMix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(&sm); s1 = splitMix(&sm); s2 = splitMix(&sm); s3 = splitMix(&sm)
    }

    /// A generator for an independent stream derived from `seed` and a label, so that
    /// components (per user, per arm, per fold) get their own reproducible randomness that
    /// does not shift when another component draws more numbers.
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03) ^ 0x5851_F42D_4C95_7F2D)
    }

    public init(seed: UInt64, stream: String) {
        self.init(seed: seed, stream: StableHash.fnv1a64(stream))
    }

    @inlinable @inline(__always)
    static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inlinable @inline(__always)
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [0, 1) as Float with 24 random bits.
    @inlinable @inline(__always)
    public mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1.0p-24 }

    /// Uniform integer in 0..<n (Lemire's nearly divisionless method).
    @inlinable @inline(__always)
    public mutating func nextInt(_ n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// Standard normal deviate (Marsaglia polar method).
    public mutating func nextGaussian() -> Double {
        while true {
            let u = 2 * nextDouble() - 1, v = 2 * nextDouble() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 { return u * (-2 * Foundation.log(s) / s).squareRoot() }
        }
    }

    /// Gamma(shape, 1) deviate (Marsaglia and Tsang 2000); shape < 1 uses the boost U^(1/shape).
    public mutating func nextGamma(shape: Double) -> Double {
        if shape < 1 {
            let u = max(nextDouble(), .leastNonzeroMagnitude)
            return nextGamma(shape: shape + 1) * Foundation.pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3.0, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat { x = nextGaussian(); v = 1 + c * x } while v <= 0
            v = v * v * v
            let u = nextDouble()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if Foundation.log(u) < 0.5 * x * x + d * (1 - v + Foundation.log(v)) { return d * v }
        }
    }

    /// Exponential deviate with the given rate.
    public mutating func nextExponential(rate: Double) -> Double {
        -Foundation.log(1 - nextDouble()) / rate
    }

    /// Poisson deviate (Knuth for small means, normal approximation above 64).
    public mutating func nextPoisson(mean: Double) -> Int {
        if mean <= 0 { return 0 }
        if mean > 64 { return max(0, Int((mean + mean.squareRoot() * nextGaussian()).rounded())) }
        let limit = Foundation.exp(-mean)
        var k = 0
        var p = nextDouble()
        while p > limit { k += 1; p *= nextDouble() }
        return k
    }

    /// Fisher-Yates shuffle of a mutable collection with this generator.
    public mutating func shuffle<C: MutableCollection & RandomAccessCollection>(_ c: inout C) where C.Index == Int {
        var i = c.count - 1
        while i > 0 {
            let j = nextInt(i + 1)
            c.swapAt(c.startIndex + i, c.startIndex + j)
            i -= 1
        }
    }
}

/// Hashes that never change between runs or platforms (Swift's `Hasher` is randomly seeded per process).
public enum StableHash {
    /// FNV-1a, 64-bit.
    public static func fnv1a64(_ s: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }
}

/// Samples indices from a fixed discrete distribution in O(1) per draw (Walker/Vose alias method).
public struct AliasTable: Sendable {
    private var probability: [Double]
    private var alias: [Int32]

    /// - Parameter weights: non-negative, not all zero.
    public init(weights: [Double]) {
        let n = weights.count
        precondition(n > 0, "AliasTable needs at least one weight")
        let total = weights.reduce(0, +)
        precondition(total > 0, "AliasTable needs a positive total weight")
        probability = [Double](repeating: 0, count: n)
        alias = [Int32](repeating: 0, count: n)
        var scaled = weights.map { $0 * Double(n) / total }
        var small: [Int] = [], large: [Int] = []
        for (i, p) in scaled.enumerated() { if p < 1 { small.append(i) } else { large.append(i) } }
        while !small.isEmpty && !large.isEmpty {
            let s = small.removeLast(), l = large[large.count - 1]
            probability[s] = scaled[s]
            alias[s] = Int32(l)
            scaled[l] = scaled[l] + scaled[s] - 1
            if scaled[l] < 1 { large.removeLast(); small.append(l) }
        }
        // Leftovers are 1 up to rounding error.
        for i in large { probability[i] = 1 }
        for i in small { probability[i] = 1 }
    }

    public var count: Int { probability.count }

    @inline(__always)
    public func sample(_ rng: inout SeededRandom) -> Int {
        let i = rng.nextInt(probability.count)
        return rng.nextDouble() < probability[i] ? i : Int(alias[i])
    }
}
