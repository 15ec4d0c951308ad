import Foundation

/// Replaces external user ids by keyed HMAC-SHA256 pseudonyms (GDPR art. 4(5) pseudonymisation;
/// Moroccan law 09-08 on personal data). Without the key the mapping cannot be recomputed, so
/// stores, results and reports carry no identifying user id.
///
/// The key comes from `RECLAB_PSEUDONYM_KEY` (the key text itself), else from the file named by
/// `RECLAB_PSEUDONYM_KEY_FILE`, else a fixed development key, with a warning, so local experiments work.
public struct Pseudonymizer: Sendable {
    public static let developmentKey = "reclab-development-key-not-for-production"

    public let key: [UInt8]
    /// True when the development key is in use (callers print `developmentKeyWarning`).
    public let usesDevelopmentKey: Bool

    public static let developmentKeyWarning =
        "warning: pseudonymising user ids with the built-in development key; set RECLAB_PSEUDONYM_KEY or RECLAB_PSEUDONYM_KEY_FILE to a secret key for real data"

    /// Keyed once here: pseudonymising many ids (every user of a large world) reuses the key pads.
    private let mac: HMACSHA256

    public init(key: String) {
        self.key = Array(key.utf8)
        self.usesDevelopmentKey = key == Pseudonymizer.developmentKey
        self.mac = HMACSHA256(key: self.key)
    }

    /// Largest pseudonym key file (bytes).
    public static let maxKeyFileBytes = 64 * 1024

    /// Reads the key from the environment as documented above.
    public static func fromEnvironment(_ env: [String: String]) throws -> Pseudonymizer {
        if let k = env["RECLAB_PSEUDONYM_KEY"], !k.isEmpty { return Pseudonymizer(key: k) }
        if let path = env["RECLAB_PSEUDONYM_KEY_FILE"], !path.isEmpty {
            // A key is a short line of text: refuse a folder, a device or a big file before reading it.
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            guard (attributes?[.type] as? FileAttributeType) == .typeRegular else {
                throw RecLabError.io("RECLAB_PSEUDONYM_KEY_FILE does not name a regular file", file: path)
            }
            if let size = (attributes?[.size] as? NSNumber)?.intValue, size > maxKeyFileBytes {
                throw RecLabError.io("the pseudonym key file named by RECLAB_PSEUDONYM_KEY_FILE is \(size) bytes, above the limit of \(maxKeyFileBytes)", file: path)
            }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw RecLabError.io("cannot read the pseudonym key file named by RECLAB_PSEUDONYM_KEY_FILE", file: path)
            }
            let k = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !k.isEmpty else { throw RecLabError.io("the pseudonym key file is empty", file: path) }
            return Pseudonymizer(key: k)
        }
        return Pseudonymizer(key: developmentKey)
    }

    /// `u` followed by the first 16 hex digits (64 bits) of HMAC-SHA256(key, externalId).
    public func pseudonym(for externalId: String) -> String {
        Self.pseudonym(code: code(for: externalId))
    }

    /// The pseudonym's 64 bits: the first 8 bytes of HMAC-SHA256(key, externalId), big-endian.
    /// Codes order as their pseudonyms do (fixed-width lowercase hex), so callers can sort integers.
    public func code(for externalId: String) -> UInt64 {
        mac.authenticationCode(for: Array(externalId.utf8)).prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The pseudonym with the given code: `u` and 16 lowercase hex digits.
    public static func pseudonym(code: UInt64) -> String {
        "u" + withUnsafeBytes(of: code.bigEndian) { Array($0) }.hexString
    }
}
