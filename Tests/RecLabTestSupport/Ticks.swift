import Foundation

/// A monotonic clock source for tests, advancing by a fixed step per reading, so measured durations are exact.
/// Thread-safe: engines time work inside parallel loops.
public final class Ticks: @unchecked Sendable {  // safe: `value` is only touched under `lock`
    private let lock = NSLock()
    private var value: UInt64 = 0

    public init() {}

    public func next(step: UInt64) -> UInt64 {
        lock.lock(); defer { lock.unlock() }
        value += step
        return value
    }
}
