import Foundation
import RecLabCore

/// Deterministic parallel SGD by stratification (Gemulla, Nijkamp, Haas and Sismanis 2011, "Large-scale
/// matrix factorization with distributed stochastic gradient descent", KDD): users and items are split
/// into `strata` blocks each; block (a, b) holds the ratings of user block a on item block b. An epoch
/// runs `strata` sub-epochs; sub-epoch s processes the blocks (a, (a + s) mod strata) for every a, which
/// touch disjoint users and disjoint items, so they run in parallel without locks and without races.
/// Each block is visited in an order drawn from its own random stream (seed, epoch, block), and the
/// number of strata is fixed (not the thread count), so the model is the same whatever the threads.
struct StratifiedSchedule {
    let strata: Int
    /// Block of each user and item (a seeded random, balanced assignment).
    let userBlock: [Int32]
    let itemBlock: [Int32]
    /// Entry indices (into the CSR `byUser` arrays) of each block, row-major by (user block, item block).
    let blocks: [[Int32]]
    /// Items of each item block, ascending (for block-local negative sampling).
    let itemsOfBlock: [[Int32]]
    /// The CSR row of each entry.
    let rowOf: [Int32]

    init(_ m: SparseMatrix, strata: Int, rng: inout SeededRandom) {
        self.strata = strata
        func assign(_ n: Int) -> [Int32] {
            var order = (0..<Int32(n)).map { $0 }
            rng.shuffle(&order)
            var block = [Int32](repeating: 0, count: n)
            for (pos, x) in order.enumerated() { block[Int(x)] = Int32(pos % strata) }
            return block
        }
        userBlock = assign(m.rowCount)
        itemBlock = assign(m.columnCount)
        var rows = [Int32](repeating: 0, count: m.nonZeroCount)
        var blocks = [[Int32]](repeating: [], count: strata * strata)
        for u in 0..<m.rowCount {
            let a = Int(userBlock[u])
            for j in m.range(ofRow: u) {
                rows[j] = Int32(u)
                blocks[a * strata + Int(itemBlock[Int(m.columns[j])])].append(Int32(j))
            }
        }
        var items = [[Int32]](repeating: [], count: strata)
        for i in 0..<m.columnCount { items[Int(itemBlock[i])].append(Int32(i)) }
        self.blocks = blocks
        self.itemsOfBlock = items
        self.rowOf = rows
    }

    /// Runs one epoch: the sub-epochs in an order drawn from `rng`, each sub-epoch's blocks in parallel.
    /// `body(userBlock, itemBlock, entries, blockRandom)` must only touch parameters of that block's
    /// users and items. `seed` and `epoch` name the per-block random streams.
    func runEpoch(seed: UInt64, epoch: Int, rng: inout SeededRandom,
                  _ body: (Int, Int, [Int32], inout SeededRandom) -> Void) {
        var subEpochs = Array(0..<strata)
        rng.shuffle(&subEpochs)
        for s in subEpochs {
            Parallel.forEachChunk(strata, minChunk: 1) { range in
                for a in range {
                    let b = (a + s) % strata
                    var blockRandom = SeededRandom(seed: seed, stream: UInt64(epoch) &* 1_000_003 &+ UInt64(a * strata + b))
                    body(a, b, blocks[a * strata + b], &blockRandom)
                }
            }
        }
    }
}
