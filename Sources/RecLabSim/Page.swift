import Foundation
import RecLabCore

/// Kinds of home-page rows, as on a streaming platform's home screen.
public enum RowKind: String, Sendable, CaseIterable {
    /// The arm's strategy's top-ranked unseen titles.
    case topPicks = "top-picks"
    /// Titles most co-watched (cosine over the arm's training data) with the user's latest play.
    case becauseYouWatched = "because-you-watched"
    /// Most played titles of the arm's last seven days (historical popularity before any log exists),
    /// refreshed whenever the arm's models are retrained.
    case trending
    /// The user's n-th favourite genre (n = how many genre rows came before), ranked by the arm's strategy.
    case genre
}

/// Layout of the home page and the position-based click model.
///
/// Examination: the user looks at the tile in row r, slot s (both 0-based) with probability
/// (1 + r)^-etaRow * (1 + s)^-etaSlot, independently per tile; an examined tile is played with the world's
/// `playProbability`. This is the position-based (examination) model of Craswell, Zoeter, Taylor and Ramsey,
/// "An experimental comparison of click position-bias models" (WSDM 2008), with the power-law examination
/// curve used by Joachims, Swaminathan and Schnabel, "Unbiased learning-to-rank with biased feedback" (WSDM 2017).
public struct PageLayout: Sendable, Equatable {
    public var rows: [RowKind]
    public var slots: Int
    public var etaRow: Double
    public var etaSlot: Double
    /// A visit ends after this many plays.
    public var maxPlaysPerVisit: Int

    public init(rows: [RowKind] = [.topPicks, .becauseYouWatched, .trending, .genre, .genre], slots: Int = 10,
                etaRow: Double = 1.0, etaSlot: Double = 0.7, maxPlaysPerVisit: Int = 2) {
        self.rows = rows; self.slots = slots; self.etaRow = etaRow; self.etaSlot = etaSlot; self.maxPlaysPerVisit = maxPlaysPerVisit
    }

    public func examinationProbability(row: Int, slot: Int) -> Double {
        pow(1 + Double(row), -etaRow) * pow(1 + Double(slot), -etaSlot)
    }
}

/// Exposure statistics over item impression counts.
public enum Exposure {
    /// Gini coefficient of the counts (0 = every item shown equally, toward 1 = all exposure on one item),
    /// over the whole catalogue, as used for recommendation exposure by Fleder and Hosanagar (2009) and
    /// Chen et al., "Bias and debias in recommender system" (2023): G = sum_i (2i - n - 1) x_(i) / (n sum x),
    /// x sorted ascending, i 1-based. O(n log n).
    public static func gini(_ counts: [Int]) -> Double {
        let n = counts.count
        let total = counts.reduce(0, +)
        guard n > 1, total > 0 else { return 0 }
        let sorted = counts.sorted()
        var acc = 0.0
        for (i, x) in sorted.enumerated() { acc += Double(2 * (i + 1) - n - 1) * Double(x) }
        return acc / (Double(n) * Double(total))
    }

    /// Share of the catalogue shown at least once.
    public static func coverage(_ counts: [Int]) -> Double {
        counts.isEmpty ? 0 : Double(counts.filter { $0 > 0 }.count) / Double(counts.count)
    }
}
