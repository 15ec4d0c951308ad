import RecLabCore
import RecLabStrategies
import XCTest

/// `TopK.select` (the bounded heap shared with the neighbour lists) against the obvious oracle: sort all
/// admissible items by (score descending, index ascending) and take the first k.
final class TopKTests: XCTestCase {
    func testMatchesFullSortWithTiesExclusionsAndNonFiniteScores() {
        var rng = SeededRandom(seed: 11)
        for trial in 0..<300 {
            let n = 1 + rng.nextInt(60)
            // Few distinct values, so ties are common; some NaN and infinite scores, which are skipped.
            let scores: [Float] = (0..<n).map { _ in
                switch rng.nextInt(12) {
                case 0: return .nan
                case 1: return .infinity
                default: return Float(rng.nextInt(5))
                }
            }
            let excluded = (0..<n).filter { _ in rng.nextInt(4) == 0 }.map(Int32.init)
            let k = rng.nextInt(n + 3)
            let excludedSet = Set(excluded)
            let admissible: [Int] = (0..<n).filter { !excludedSet.contains(Int32($0)) && scores[$0].isFinite }
            let ranked: [Int] = admissible.sorted { (a: Int, b: Int) -> Bool in
                scores[a] != scores[b] ? scores[a] > scores[b] : a < b
            }
            let expected: [ScoredItem] = ranked.prefix(k).map { ScoredItem(item: Int32($0), score: scores[$0]) }
            let got = scores.withUnsafeBufferPointer { TopK.select(scores: $0, k: k, excluded: excluded[...]) }
            XCTAssertEqual(got, expected, "trial \(trial): n \(n), k \(k)")
        }
    }
}
