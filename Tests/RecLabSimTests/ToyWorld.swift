import Foundation
import RecLabCore
import RecLabSim
import RecLabStrategies

/// A small latent-factor world for tests: affinity = <p_u, q_i> + b_i, play probability a logistic function
/// of affinity, watch completion rising with affinity. Independent of RecLabSynthetic on purpose (the
/// simulator is tested against the protocol, not one world).
struct ToyWorld: UserBehaviour {
    let userCount: Int
    let itemCount: Int
    let dim = 4
    let userFactors: [Double]
    let itemFactors: [Double]
    let itemBias: [Double]
    let visit: [Double]

    init(users: Int, items: Int, seed: UInt64) {
        userCount = users; itemCount = items
        var rng = SeededRandom(seed: seed)
        userFactors = (0..<(users * 4)).map { _ in rng.nextGaussian() * 0.8 }
        itemFactors = (0..<(items * 4)).map { _ in rng.nextGaussian() * 0.8 }
        itemBias = (0..<items).map { _ in rng.nextGaussian() * 0.5 }
        visit = (0..<users).map { _ in 0.2 + 0.6 * rng.nextDouble() }
    }

    func affinity(user: Int, item: Int) -> Double {
        var s = itemBias[item]
        for k in 0..<dim { s += userFactors[user * dim + k] * itemFactors[item * dim + k] }
        return s
    }
    func visitProbability(user: Int, day: Int) -> Double { visit[user] }
    func playProbability(user: Int, item: Int, day: Int) -> Double { 1 / (1 + exp(-(1.5 * affinity(user: user, item: item) - 1.5))) }
    func sampleWatch(user: Int, item: Int, rng: inout SeededRandom) -> (minutes: Double, completion: Double) {
        let base = 1 / (1 + exp(-affinity(user: user, item: item)))
        let c = min(1, max(0.02, base + 0.2 * (rng.nextDouble() - 0.5)))
        return (c * 100, c)
    }
    func sampleRating(user: Int, item: Int, completion: Double, rng: inout SeededRandom) -> Double? {
        guard rng.nextDouble() < 0.3 else { return nil }
        return min(5, max(0.5, (completion * 10).rounded() / 2))
    }

    /// A dataset whose history is a few plays per user drawn by affinity.
    func content(historyPerUser: Int = 4, seed: UInt64 = 9) -> DatasetContent {
        let genres = ["Action", "Comedy", "Drama", "Horror"]
        let movies = (0..<itemCount).map { MovieRecord(id: Int64($0 + 1), title: "M\($0)", year: 2000, genres: [genres[$0 % 4]]) }
        let users = (0..<userCount).map { UserRecord(id: Int64($0 + 1), pseudonym: String(format: "p%05d", $0)) }
        var rng = SeededRandom(seed: seed)
        var rows: [InteractionRecord] = []
        for u in 0..<userCount {
            var chosen = Set<Int>()
            while chosen.count < historyPerUser {
                let i = rng.nextInt(itemCount)
                if rng.nextDouble() < playProbability(user: u, item: i, day: 0) { chosen.insert(i) }
            }
            for (k, i) in chosen.sorted().enumerated() {
                rows.append(InteractionRecord(userId: Int64(u + 1), movieId: Int64(i + 1), timestamp: 1_000_000 + Int64(k) * 3600,
                                              rating: 4, watchSeconds: 3000, completion: 0.8))
            }
        }
        return DatasetContent(name: "toy", source: "test", movies: movies, users: users, interactions: rows)
    }
}

/// Test strategies (the library's strategies are tested by their own module): popularity from the training
/// data, and a fixed pseudo-random order.
// @unchecked Sendable: `counts` is written only by `fit`, before the strategy is shared (Recommender contract).
final class ToyPopular: Recommender, @unchecked Sendable {
    static let typeName = "toy-popular"
    static let summary = "test"
    var counts: [Float] = []
    init(parameters: Parameters) throws {}
    func fit(_ train: TrainingSet, context: FitContext) throws {
        counts = (0..<train.itemCount).map { Float(train.byItem.count(ofRow: $0)) }
    }
    func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        for i in scores.indices { scores[i] = counts[i] }
    }
}

final class ToyRandom: Recommender {
    static let typeName = "toy-random"
    static let summary = "test"
    init(parameters: Parameters) throws {}
    func fit(_ train: TrainingSet, context: FitContext) throws {}
    func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        for i in scores.indices { scores[i] = Float(StableHash.fnv1a64("\(user):\(i)") % 10_000) }
    }
}

enum Toy {
    static func simulator(world: ToyWorld, settings: SimulationSettings) throws -> ABSimulator {
        let content = world.content()
        let dataset = Dataset(content: content)
        return try ABSimulator(dataset: dataset, content: content, world: world, settings: settings) { spec in
            switch spec.type {
            case "toy-popular": return try ToyPopular(parameters: spec.parameters)
            case "toy-random": return try ToyRandom(parameters: spec.parameters)
            case "oracle": return OracleRecommender(world: world)
            default: throw RecLabError.usage("unknown test strategy \(spec.type)")
            }
        }
    }
}
