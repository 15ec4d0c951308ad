import Foundation

/// SHA-256 (FIPS 180-4), incremental. Used for dataset content hashes, config hashes and,
/// through `HMACSHA256`, for pseudonymising user ids; written here so the core needs no crypto package.
public struct SHA256: Sendable {
    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    private var h: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
    /// Pending bytes of a partial block (always fewer than 64 between calls).
    private var buffer = [UInt8](repeating: 0, count: 64)
    private var bufferCount = 0
    private var totalBytes: UInt64 = 0

    public init() {}

    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        if let done = bytes.withContiguousStorageIfAvailable({ update(buffer: UnsafeRawBufferPointer($0)) }) { return done }
        var chunk = [UInt8]()
        chunk.reserveCapacity(256)
        for b in bytes {
            chunk.append(b)
            if chunk.count == 256 { chunk.withUnsafeBytes { update(buffer: $0) }; chunk.removeAll(keepingCapacity: true) }
        }
        chunk.withUnsafeBytes { update(buffer: $0) }
    }

    public mutating func update(_ data: Data) {
        data.withUnsafeBytes { raw in update(buffer: raw) }
    }

    public mutating func update(_ string: String) {
        var s = string
        s.withUTF8 { update(buffer: UnsafeRawBufferPointer($0)) }
    }

    /// Hashes `raw`: tops up a pending partial block, compresses whole blocks straight from the input,
    /// keeps the tail. O(n), no allocation.
    public mutating func update(buffer raw: UnsafeRawBufferPointer) {
        let n = raw.count
        guard n > 0, let src = raw.baseAddress else { return }
        var i = 0
        var state = h
        var count = bufferCount, total = totalBytes
        buffer.withUnsafeMutableBytes { buf in
            let pending = buf.baseAddress!
            if count > 0 {
                let take = min(64 - count, n)
                (pending + count).copyMemory(from: src, byteCount: take)
                count += take
                i = take
                if count < 64 { return }
                SHA256.compress(&state, UnsafeRawPointer(pending))
                total &+= 64
                count = 0
            }
            while n - i >= 64 {
                SHA256.compress(&state, src + i)
                total &+= 64
                i += 64
            }
            if i < n {
                pending.copyMemory(from: src + i, byteCount: n - i)
                count = n - i
            }
        }
        h = state
        bufferCount = count
        totalBytes = total
    }

    /// Appends a value's little-endian bytes: convenient for hashing numeric columns canonically.
    public mutating func update<T: FixedWidthInteger>(integer: T) {
        withUnsafeBytes(of: integer.littleEndian) { update(buffer: $0) }
    }

    public mutating func update(float: Float) { update(integer: float.bitPattern) }
    public mutating func update(double: Double) { update(integer: double.bitPattern) }

    /// FIPS 180-4 section 6.2.2 on one 64-byte block. The message schedule lives on the stack.
    @inline(__always)
    private static func compress(_ h: inout (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32),
                                 _ block: UnsafeRawPointer) {
        @inline(__always) func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            for t in 0..<16 { w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self)) }
            for t in 16..<64 {
                let s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
                let s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
                w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
            }
            k.withUnsafeBufferPointer { k in
                var (a, b, c, d, e, f, g, hh) = h
                for t in 0..<64 {
                    let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                    let ch = (e & f) ^ (~e & g)
                    let t1 = hh &+ s1 &+ ch &+ k[t] &+ w[t]
                    let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                    let maj = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = s0 &+ maj
                    hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
                }
                h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e, h.5 &+ f, h.6 &+ g, h.7 &+ hh)
            }
        }
    }

    /// Finishes and returns the 32-byte digest. The value is consumed.
    public consuming func finalize() -> [UInt8] {
        let bitLength = (totalBytes &+ UInt64(bufferCount)) &* 8
        // Padding: 0x80, zeros up to 56 mod 64, then the bit length big-endian.
        var tail: [UInt8] = [0x80]
        tail += [UInt8](repeating: 0, count: (119 - bufferCount) % 64)
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        tail.withUnsafeBytes { update(buffer: $0) }
        var out = [UInt8]()
        out.reserveCapacity(32)
        for word in [h.0, h.1, h.2, h.3, h.4, h.5, h.6, h.7] {
            out.append(UInt8(word >> 24)); out.append(UInt8(truncatingIfNeeded: word >> 16))
            out.append(UInt8(truncatingIfNeeded: word >> 8)); out.append(UInt8(truncatingIfNeeded: word))
        }
        return out
    }

    public static func hash<S: Sequence>(_ bytes: S) -> [UInt8] where S.Element == UInt8 {
        var s = SHA256()
        s.update(bytes)
        return s.finalize()
    }

    public static func hexDigest(_ string: String) -> String {
        var s = SHA256()
        s.update(string)
        return s.finalize().hexString
    }
}

/// HMAC-SHA256 (RFC 2104; test vectors in RFC 4231). A keyed value absorbs the two key pads once,
/// so each message costs only its own compressions (two for a short message instead of four).
public struct HMACSHA256: Sendable {
    /// Hash states after the inner (0x36) and outer (0x5c) key pads.
    private let inner: SHA256, outer: SHA256

    public init(key: [UInt8]) {
        var k = key.count > 64 ? SHA256.hash(key) : key
        k += [UInt8](repeating: 0, count: 64 - k.count)
        var inner = SHA256(), outer = SHA256()
        inner.update(k.map { $0 ^ 0x36 })
        outer.update(k.map { $0 ^ 0x5c })
        self.inner = inner
        self.outer = outer
    }

    public func authenticationCode(for message: [UInt8]) -> [UInt8] {
        var i = inner
        i.update(message)
        var o = outer
        o.update(i.finalize())
        return o.finalize()
    }

    public static func authenticationCode(for message: [UInt8], key: [UInt8]) -> [UInt8] {
        HMACSHA256(key: key).authenticationCode(for: message)
    }
}

extension Array where Element == UInt8 {
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var chars = [UInt8]()
        chars.reserveCapacity(count * 2)
        for b in self { chars.append(digits[Int(b >> 4)]); chars.append(digits[Int(b & 0xF)]) }
        return String(decoding: chars, as: UTF8.self)
    }
}
