import Foundation
import RecLabConfig
import RecLabCore

/// One train/test fold as row indices into a `Dataset` (no copy of the data).
public struct Fold: Sendable {
    public var train: [Int32]
    public var test: [Int32]

    public init(train: [Int32], test: [Int32]) {
        self.train = train; self.test = test
    }
}

/// The `split:` section of an experiment config and the folds it makes.
public struct SplitSpec: Sendable, Equatable {
    public enum Method: Sendable, Equatable {
        /// A random `fraction` of interactions goes to test.
        case holdout(fraction: Double)
        /// Interactions shuffled and dealt into `k` folds; each fold is the test set once.
        case kfold(k: Int)
        /// Per user, the latest `fraction` of interactions by time (at least one), or the latest `last`.
        case userTemporal(fraction: Double?, last: Int?)
        /// All interactions after a time cut: the latest `fraction` of all interactions go to test.
        case globalTemporal(fraction: Double)
        /// Base/test file pairs (MovieLens `u1.base`/`u1.test` format: user, movie, rating, time).
        case predefined(pairs: [(train: String, test: String)])

        public static func == (a: Method, b: Method) -> Bool { "\(a)" == "\(b)" }
    }

    public var method: Method

    public init(method: Method) { self.method = method }

    public var methodName: String {
        switch method {
        case .holdout: return "holdout"
        case .kfold: return "kfold"
        case .userTemporal: return "user-temporal"
        case .globalTemporal: return "global-temporal"
        case .predefined: return "predefined"
        }
    }

    /// True when the folds depend on the seed.
    public var isRandom: Bool {
        switch method {
        case .holdout, .kfold: return true
        default: return false
        }
    }

    public var foldCount: Int {
        switch method {
        case .kfold(let k): return k
        case .predefined(let pairs): return pairs.count
        default: return 1
        }
    }

    public var parameters: [String: String] {
        switch method {
        case .holdout(let f): return ["fraction": "\(f)"]
        case .kfold(let k): return ["k": "\(k)"]
        case .userTemporal(let f, let last):
            return last.map { ["last": "\($0)"] } ?? ["fraction": "\(f ?? 0.2)", "min_test": "1"]
        case .globalTemporal(let f): return ["fraction": "\(f)"]
        case .predefined(let pairs):
            var p: [String: String] = [:]
            for (i, pair) in pairs.enumerated() { p["fold\(i + 1)"] = "\(pair.train) | \(pair.test)" }
            return p
        }
    }

    /// Parses `split:`: `{method: kfold, k: 5}`, `{method: user-temporal, fraction: 0.2}` (or `last: 1`),
    /// `{method: holdout, fraction: 0.2}`, `{method: global-temporal, fraction: 0.2}`,
    /// `{method: predefined, folds: [{train: u1.base, test: u1.test}, ...]}`.
    public static func parse(_ node: ConfigNode) throws -> SplitSpec {
        let m = try node.map()
        let methodNode = try m.required("method")
        let name = try methodNode.string()
        func fraction(_ def: Double) throws -> Double {
            guard let n = m.optional("fraction") else { return def }
            let f = try n.double()
            guard f > 0 && f < 1 else { throw n.error("fraction must be strictly between 0 and 1, got \(f)") }
            return f
        }
        let method: Method
        switch name {
        case "holdout":
            method = .holdout(fraction: try fraction(0.2))
        case "kfold":
            var k = 5
            if let n = m.optional("k") {
                k = try n.int()
                guard (2...100).contains(k) else { throw n.error("k must be in 2...100, got \(k)") }
            }
            method = .kfold(k: k)
        case "user-temporal":
            if let n = m.optional("last") {
                let last = try n.int()
                guard last >= 1 else { throw n.error("last must be at least 1, got \(last)") }
                if m.optional("fraction") != nil { throw n.error("give either 'last' or 'fraction', not both") }
                method = .userTemporal(fraction: nil, last: last)
            } else {
                method = .userTemporal(fraction: try fraction(0.2), last: nil)
            }
        case "global-temporal":
            method = .globalTemporal(fraction: try fraction(0.2))
        case "predefined":
            let folds = try m.required("folds").list()
            guard !folds.isEmpty else { throw m.optional("folds")!.error("list at least one {train, test} pair") }
            var pairs: [(train: String, test: String)] = []
            for f in folds {
                let fm = try f.map()
                let trainNode = try fm.required("train"), testNode = try fm.required("test")
                let train = try trainNode.string(), test = try testNode.string()
                for (n, p) in [(trainNode, train), (testNode, test)] where !FileManager.default.fileExists(atPath: p) {
                    throw n.error("split file '\(p)' not found")
                }
                try fm.finish()
                pairs.append((train, test))
            }
            method = .predefined(pairs: pairs)
        default:
            throw methodNode.error("unknown split method '\(name)'; expected one of: holdout, kfold, user-temporal, global-temporal, predefined")
        }
        try m.finish()
        return SplitSpec(method: method)
    }

    /// The folds for `dataset`. Random splits draw from `seed` only. Rows with no test counterpart in a
    /// predefined file are an input error naming the file and line.
    public func folds(of dataset: Dataset, seed: UInt64) throws -> [Fold] {
        let n = dataset.interactionCount
        switch method {
        case .holdout(let fraction):
            var rng = SeededRandom(seed: seed, stream: "split-holdout")
            var order = (0..<Int32(n)).map { $0 }
            rng.shuffle(&order)
            let testCount = Int((Double(n) * fraction).rounded())
            return [Fold(train: Array(order[testCount...]).sorted(), test: Array(order[..<testCount]).sorted())]
        case .kfold(let k):
            var rng = SeededRandom(seed: seed, stream: "split-kfold")
            var order = (0..<Int32(n)).map { $0 }
            rng.shuffle(&order)
            var assignment = [Int](repeating: 0, count: n)
            for (pos, row) in order.enumerated() { assignment[Int(row)] = pos % k }
            return (0..<k).map { f in
                var train: [Int32] = [], test: [Int32] = []
                for r in 0..<n { if assignment[r] == f { test.append(Int32(r)) } else { train.append(Int32(r)) } }
                return Fold(train: train, test: test)
            }
        case .userTemporal(let fraction, let last):
            var train: [Int32] = [], test: [Int32] = []
            for u in 0..<dataset.userCount {
                let lo = dataset.userStart[u], hi = dataset.userStart[u + 1]
                let count = hi - lo
                guard count > 0 else { continue }
                // Rows are in (time, item) order within a user, so the latest are at the end.
                let t = min(count, last ?? max(1, Int((Double(count) * (fraction ?? 0.2)).rounded())))
                for r in lo..<(hi - t) { train.append(Int32(r)) }
                for r in (hi - t)..<hi { test.append(Int32(r)) }
            }
            return [Fold(train: train, test: test)]
        case .globalTemporal(let fraction):
            let sortedTimes = dataset.timestamps.sorted()
            guard !sortedTimes.isEmpty else { return [Fold(train: [], test: [])] }
            let cutIndex = min(sortedTimes.count - 1, Int(Double(sortedTimes.count) * (1 - fraction)))
            let cut = sortedTimes[cutIndex]
            var train: [Int32] = [], test: [Int32] = []
            for r in 0..<n { if dataset.timestamps[r] >= cut { test.append(Int32(r)) } else { train.append(Int32(r)) } }
            return [Fold(train: train, test: test)]
        case .predefined(let pairs):
            let index = PredefinedRowIndex(dataset: dataset)
            return try pairs.map { Fold(train: try index.rows(file: $0.train), test: try index.rows(file: $0.test)) }
        }
    }
}

/// Maps lines of MovieLens-style split files (`user<TAB>movie<TAB>rating<TAB>time`, external ids) to
/// dataset rows. External user ids are pseudonymised with the same key as the import
/// (`RECLAB_PSEUDONYM_KEY`), so the files can be matched without the store ever holding raw ids.
struct PredefinedRowIndex {
    let dataset: Dataset
    let pseudonymizer: Pseudonymizer
    /// (user, item) -> rows of that pair (usually one).
    let rowsByPair: [Int64: [Int32]]

    init(dataset: Dataset) {
        self.dataset = dataset
        pseudonymizer = (try? Pseudonymizer.fromEnvironment()) ?? Pseudonymizer(key: Pseudonymizer.developmentKey)
        var map: [Int64: [Int32]] = [:]
        for r in 0..<dataset.interactionCount {
            map[Int64(dataset.users[r]) << 32 | Int64(dataset.items[r]), default: []].append(Int32(r))
        }
        rowsByPair = map
    }

    func rows(file: String) throws -> [Int32] {
        guard let data = FileManager.default.contents(atPath: file) else { throw RecLabError.io("cannot read split file", file: file) }
        var out: [Int32] = []
        var userCache: [Substring: Int32] = [:]
        var lineNo = 0
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let f = line.split(whereSeparator: { $0 == "\t" || $0 == "," || $0 == ":" }).filter { !$0.isEmpty }
            guard f.count >= 2, let movie = Int64(f[1].trimmingCharacters(in: .whitespaces)) else {
                throw RecLabError.input("expected 'user<TAB>movie<TAB>rating<TAB>timestamp'", file: file, line: lineNo)
            }
            let userKey = f[0]
            let user: Int32
            if let u = userCache[userKey] { user = u } else {
                guard let u = dataset.userIndex(pseudonym: pseudonymizer.pseudonym(for: String(userKey))) else {
                    throw RecLabError.input("user \(userKey) is not in the dataset (was it imported with the same RECLAB_PSEUDONYM_KEY?)", file: file, line: lineNo)
                }
                userCache[userKey] = u; user = u
            }
            guard let item = dataset.itemIndex(movieId: movie) else {
                throw RecLabError.input("movie \(movie) is not in the dataset", file: file, line: lineNo)
            }
            guard let rows = rowsByPair[Int64(user) << 32 | Int64(item)] else {
                throw RecLabError.input("no interaction of user \(userKey) with movie \(movie) in the dataset", file: file, line: lineNo)
            }
            if rows.count == 1 || f.count < 4 {
                out.append(rows[0])
            } else if let ts = Int64(f[3].trimmingCharacters(in: .whitespaces)), let r = rows.first(where: { dataset.timestamps[Int($0)] == ts }) {
                out.append(r)
            } else {
                out.append(rows[0])
            }
        }
        out.sort()
        return out
    }
}
