import Crypto
import Foundation

/// SHA-256, incremental: dataset content hashes, config hashes, run ids and arm assignment.
/// A thin wrapper over swift-crypto (BoringSSL, which uses the CPU's SHA extensions where present)
/// that keeps RecLab's byte-array API; the digests are the standard ones, so every stored hash is unchanged.
///
/// `@unchecked Sendable`: swift-crypto's Linux digest is a copy-on-write value over a private class
/// without a `Sendable` mark; its state is mutated only when uniquely referenced (else copied first) and a
/// shared one is only read, as with `Array`, so values may cross threads.
public struct SHA256: @unchecked Sendable {
    private var hasher = Crypto.SHA256()

    public init() {}

    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        if bytes.withContiguousStorageIfAvailable({ update(buffer: UnsafeRawBufferPointer($0)) }) != nil { return }
        update(buffer: Array(bytes))
    }

    public mutating func update(_ data: Data) {
        hasher.update(data: data)
    }

    public mutating func update(_ string: String) {
        var s = string
        s.withUTF8 { update(buffer: UnsafeRawBufferPointer($0)) }
    }

    public mutating func update(buffer raw: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: raw)
    }

    private mutating func update(buffer bytes: [UInt8]) {
        bytes.withUnsafeBytes { update(buffer: $0) }
    }

    /// Finishes and returns the 32-byte digest.
    public consuming func finalize() -> [UInt8] {
        Array(hasher.finalize())
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

/// HMAC-SHA256 (RFC 2104) over swift-crypto. A keyed value absorbs the key pads once; each message
/// starts from a copy of that state, so pseudonymising many ids does not re-key.
/// `@unchecked Sendable` for the reason given at `SHA256`: the keyed state is a copy-on-write value, never
/// mutated here, and each message works on its own copy.
public struct HMACSHA256: @unchecked Sendable {
    private let keyed: HMAC<Crypto.SHA256>

    public init(key: [UInt8]) {
        keyed = HMAC<Crypto.SHA256>(key: SymmetricKey(data: key))
    }

    public func authenticationCode(for message: [UInt8]) -> [UInt8] {
        var mac = keyed
        mac.update(data: message)
        return Array(mac.finalize())
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
