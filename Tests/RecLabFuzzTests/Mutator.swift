import Foundation
import RecLabCore

/// Deterministic input mutations for the fuzz tests: every run of a test sees the same inputs, so a
/// failure reproduces; the iteration counts keep the whole set to seconds in a debug build.
struct Mutator {
    var rng: SeededRandom

    init(seed: UInt64, stream: String) { rng = SeededRandom(seed: seed, stream: stream) }

    mutating func int(_ n: Int) -> Int { rng.nextInt(n) }

    mutating func randomBytes(maxCount: Int) -> [UInt8] {
        (0..<int(maxCount + 1)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    /// Values that break naive parsers: huge, negative, non-finite, overflowing, empty, odd text.
    static let hostileTokens = [
        "5000000000", "99999999999999999999999", "-1", "-9223372036854775808", "9223372036854775807", "0",
        "1e308", "-1e308", "1e-320", "nan", ".nan", "inf", ".inf", "-.inf", "\"\"", "~", "null", "[]", "{}",
        "&a [*a]", "*undefined", "!!binary AAAA", "\u{0}", "\"\\u0000\"", "'", "\"", "0x7fffffff", "1_000_000_000_000",
        String(repeating: "9", count: 400), String(repeating: "x", count: 5000),
    ]

    /// One or more mutations of `input`, chosen at random.
    mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var b = input
        for _ in 0..<(1 + int(3)) { b = mutateOnce(b) }
        return b
    }

    mutating func mutateOnce(_ input: [UInt8]) -> [UInt8] {
        var b = input
        switch int(10) {
        case 0, 1:   // flip bytes
            for _ in 0..<(1 + int(4)) where !b.isEmpty { b[int(b.count)] = UInt8(truncatingIfNeeded: rng.next()) }
        case 2:      // truncate
            b = Array(b.prefix(int(b.count + 1)))
        case 3, 4:   // duplicate, delete or move a line
            var lines = b.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
            guard !lines.isEmpty else { break }
            let i = int(lines.count)
            switch int(3) {
            case 0: lines.insert(lines[i], at: int(lines.count + 1))
            case 1: lines.remove(at: i)
            default: let l = lines.remove(at: i); lines.insert(l, at: int(lines.count + 1))
            }
            b = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
        case 5, 6:   // replace a number (or any token) by a hostile value
            let digits = b.indices.filter { (48...57).contains(b[$0]) }
            let at = digits.isEmpty ? int(b.count + 1) : digits[int(digits.count)]
            var end = at
            while end < b.count, (48...57).contains(b[end]) || b[end] == UInt8(ascii: ".") { end += 1 }
            b.replaceSubrange(at..<end, with: Array(Self.hostileTokens[int(Self.hostileTokens.count)].utf8))
        case 7:      // deep nesting
            let depth = 1 + int(3000)
            let open = int(2) == 0 ? "[" : "{a: "
            let close = open == "[" ? "]" : "}"
            let nest = String(repeating: open, count: depth) + "1" + String(repeating: close, count: int(2) == 0 ? depth : int(depth))
            b.insert(contentsOf: Array(nest.utf8), at: int(b.count + 1))
        case 8:      // random bytes somewhere
            b.insert(contentsOf: randomBytes(maxCount: 16), at: int(b.count + 1))
        default:     // swap two random slices
            guard b.count > 2 else { break }
            let x = int(b.count), y = int(b.count)
            b.swapAt(x, y)
        }
        return b
    }
}
