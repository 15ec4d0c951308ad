import RecLabCore

/// Deterministic traffic assignment by salted hash (the usual online-experiment practice, as in
/// Kohavi, Tang and Xu, "Trustworthy Online Controlled Experiments", 2020, ch. 14): the first 8 bytes of
/// SHA-256(salt ":" pseudonym) as a uniform number in [0, 1), cut at the cumulative weights. A user's arm
/// depends only on the salt and their own pseudonym, never on the order users are seen or on other users.
public struct HashAssignment: Sendable {
    public let salt: String
    /// Share of users held out of the experiment (served the control experience, not analysed).
    public let holdout: Double
    /// Arm weights, normalised to sum to 1 over the non-holdout traffic.
    public let weights: [Double]

    public init(salt: String, weights: [Double], holdout: Double = 0) {
        precondition(!weights.isEmpty && weights.allSatisfy { $0 >= 0 } && weights.reduce(0, +) > 0)
        precondition(holdout >= 0 && holdout < 1)
        self.salt = salt
        self.holdout = holdout
        let total = weights.reduce(0, +)
        self.weights = weights.map { $0 / total }
    }

    /// Uniform position of a pseudonym in [0, 1).
    public func unit(_ pseudonym: String) -> Double {
        let digest = SHA256.hash(Array("\(salt):\(pseudonym)".utf8))
        var x: UInt64 = 0
        for b in digest.prefix(8) { x = (x << 8) | UInt64(b) }
        return Double(x >> 11) * 0x1.0p-53
    }

    /// Arm index, or nil for a held-out user.
    public func arm(for pseudonym: String) -> Int? {
        var u = unit(pseudonym)
        if u < holdout { return nil }
        // Rescale the non-holdout part to [0, 1) so arm shares are exact fractions of the experiment traffic.
        u = (u - holdout) / (1 - holdout)
        var cumulative = 0.0
        for (i, w) in weights.enumerated() {
            cumulative += w
            if u < cumulative { return i }
        }
        return weights.count - 1
    }
}
