import Foundation
import RecLabConfig
import RecLabCore

/// One train/test split of a dataset as sorted row indices into the `Dataset`'s interaction columns:
/// a view, the dataset itself is never copied.
public struct SplitFold: Sendable, Equatable {
    /// 0-based fold number (k-fold and predefined pairs; 0 for single splits).
    public let index: Int
    public let train: [Int32]
    public let test: [Int32]
    /// Strong generalisation only: the held-out users' fold-in rows, given to the fitted model as their
    /// history (never fitted on, never predicted). Empty for every other method.
    public let foldIn: [Int32]

    public init(index: Int, train: [Int32], test: [Int32], foldIn: [Int32] = []) {
        self.index = index; self.train = train; self.test = test; self.foldIn = foldIn
    }
}

/// A MovieLens-style pair of split files (`u1.base` / `u1.test`).
public struct PredefinedPair: Sendable, Equatable {
    public var train: String
    public var test: String

    public init(train: String, test: String) { self.train = train; self.test = test }
}

/// How to split. Every method keeps each interaction in at most one of train and test of a fold.
public enum SplitMethod: Sendable, Equatable {
    /// Random holdout: a random `testFraction` of all interactions is the test set (covers the data).
    case holdout(testFraction: Double)
    /// K-fold by interaction: interactions shuffled and dealt into `k` folds of sizes differing by at
    /// most one; fold f tests on part f and trains on the rest (parts disjoint, union = data).
    case kFold(k: Int)
    /// Per user, the latest `k` interactions are test; a user with at most `k` interactions keeps the
    /// earliest one in train; users with a single interaction are train only.
    case userLastK(k: Int)
    /// Per user, the latest `fraction` (rounded, at least one) of the interactions are test, keeping at
    /// least one in train; users with a single interaction are train only.
    case userLastFraction(fraction: Double)
    /// Global temporal cut at the timestamp below which `1 - testFraction` of the interactions lie:
    /// test = every interaction at or after the cut (ties stay together), train = before it.
    case globalTimeFraction(testFraction: Double)
    /// Global temporal cut at a Unix timestamp: train < cut <= test.
    case globalTimeCut(timestamp: Int64)
    /// Predefined files (ml-100k `u.data` format: user, movie, rating, timestamp; tab or space separated),
    /// one fold per pair, matched to the dataset by pseudonym(user id) + movie id + timestamp.
    case predefined([PredefinedPair])
    /// Strong generalisation (Liang, Krishnan, Hoffman and Jebara, "Variational Autoencoders for Collaborative
    /// Filtering", WWW 2018): a random share `heldOutUsers` of the users (with at least two interactions) is held
    /// out of training entirely; of each held-out user's interactions a random share `foldIn` is given to the
    /// fitted model as history and the rest is the test set. Only strategies that can fold in users take it.
    case strongGeneralization(heldOutUsers: Double, foldIn: Double)
    /// Leave-one-out: each user's latest interaction is the test set (users with one interaction are train
    /// only), ranked against the full catalogue; with `sampledNegatives` > 0 the hit metrics are also computed
    /// against that many sampled non-interacted items, labelled biased (Krichene and Rendle, "On Sampled
    /// Metrics for Item Recommendation", KDD 2020, show such metrics can reverse the order of strategies).
    case leaveOneOut(sampledNegatives: Int)

    /// Config name of the method.
    public var name: String {
        switch self {
        case .holdout: return "holdout"
        case .kFold: return "kfold"
        case .userLastK, .userLastFraction: return "user-temporal"
        case .globalTimeFraction, .globalTimeCut: return "global-temporal"
        case .predefined: return "predefined"
        case .strongGeneralization: return "strong-generalization"
        case .leaveOneOut: return "leave-one-out"
        }
    }

    /// True when the folds depend on the seed.
    public var isRandom: Bool {
        switch self {
        case .holdout, .kFold, .strongGeneralization: return true
        default: return false
        }
    }

    public var foldCount: Int {
        switch self {
        case .kFold(let k): return k
        case .predefined(let pairs): return pairs.count
        default: return 1
        }
    }

    /// The parameters as text, for provenance.
    public var parameters: [String: String] {
        switch self {
        case .holdout(let f): return ["fraction": "\(f)"]
        case .kFold(let k): return ["k": "\(k)"]
        case .userLastK(let k): return ["last": "\(k)"]
        case .userLastFraction(let f): return ["fraction": "\(f)"]
        case .globalTimeFraction(let f): return ["fraction": "\(f)"]
        case .globalTimeCut(let t): return ["cut": "\(t)"]
        case .predefined(let pairs):
            var p: [String: String] = [:]
            for (i, pair) in pairs.enumerated() { p["fold\(i + 1)"] = "\(pair.train) | \(pair.test)" }
            return p
        case .strongGeneralization(let users, let foldIn): return ["users": "\(users)", "fold_in": "\(foldIn)"]
        case .leaveOneOut(let n): return ["sampled_negatives": "\(n)"]
        }
    }
}

public enum Splitter {
    /// The folds of `dataset` for `method`. Random methods draw only from `seed` (same seed, same
    /// folds); the others ignore it. Throws `.data` when a fold's train or test set would be empty and
    /// `.input` (file, line) for predefined files that do not match the dataset.
    /// Cost: O(n) for holdout/k-fold/per-user, O(n log n) for the global fraction cut, O(lines * log) for files.
    /// `pseudonymizer` maps the user ids of predefined split files (the key the data was imported with).
    public static func folds(for dataset: Dataset, method: SplitMethod, seed: UInt64,
                             pseudonymizer: () throws -> Pseudonymizer = { Pseudonymizer(key: Pseudonymizer.developmentKey) },
                             readFile: (String) throws -> Data = LocalFiles.read) throws -> [SplitFold] {
        let n = dataset.interactionCount
        var folds: [SplitFold]
        switch method {
        case .holdout(let fraction):
            try checkFraction(fraction)
            var order = (0..<Int32(n)).map { $0 }
            var rng = SeededRandom(seed: seed, stream: "split-holdout")
            rng.shuffle(&order)
            let testCount = Int((Double(n) * fraction).rounded())
            var isTest = [Bool](repeating: false, count: n)
            for k in 0..<testCount { isTest[Int(order[k])] = true }
            folds = [partition(n, index: 0) { isTest[$0] }]
        case .kFold(let k):
            guard k >= 2 else { throw RecLabError.config("k-fold needs k >= 2, got \(k)", key: "split.k") }
            guard n >= k else { throw RecLabError.data("k-fold with k = \(k) needs at least \(k) interactions; the dataset has \(n)") }
            var order = (0..<Int32(n)).map { $0 }
            var rng = SeededRandom(seed: seed, stream: "split-kfold")
            rng.shuffle(&order)
            var part = [Int32](repeating: 0, count: n)
            for (pos, row) in order.enumerated() { part[Int(row)] = Int32(pos % k) }
            folds = (0..<k).map { f in partition(n, index: f) { part[$0] == Int32(f) } }
        case .userLastK(let k):
            guard k >= 1 else { throw RecLabError.config("last must be at least 1, got \(k)", key: "split.last") }
            folds = [perUserTail(dataset) { count in min(k, count - 1) }]
        case .userLastFraction(let fraction):
            try checkFraction(fraction)
            folds = [perUserTail(dataset) { count in min(count - 1, max(1, Int((Double(count) * fraction).rounded()))) }]
        case .globalTimeFraction(let fraction):
            try checkFraction(fraction)
            guard n > 0 else { throw RecLabError.data("the dataset has no interactions to split") }
            let sorted = dataset.timestamps.sorted()
            let cutIndex = min(n - 1, max(0, n - Int((Double(n) * fraction).rounded())))
            let cut = sorted[cutIndex]
            folds = [partition(n, index: 0) { dataset.timestamps[$0] >= cut }]
        case .globalTimeCut(let cut):
            folds = [partition(n, index: 0) { dataset.timestamps[$0] >= cut }]
        case .predefined(let pairs):
            guard !pairs.isEmpty else { throw RecLabError.config("predefined split needs at least one pair of files", key: "split.folds") }
            let matcher = PredefinedMatcher(dataset: dataset, pseudonymizer: try pseudonymizer())
            folds = try pairs.enumerated().map { f, pair in
                let train = try matcher.rows(file: pair.train, data: try readFile(pair.train))
                let test = try matcher.rows(file: pair.test, data: try readFile(pair.test), excluding: train)
                return SplitFold(index: f, train: train, test: test)
            }
        case .strongGeneralization(let share, let foldInShare):
            try checkFraction(share)
            try checkFraction(foldInShare)
            folds = [strongGeneralization(dataset, heldOut: share, foldIn: foldInShare, seed: seed)]
        case .leaveOneOut:
            folds = [perUserTail(dataset) { _ in 1 }]
        }
        for f in folds {
            guard !f.train.isEmpty else { throw RecLabError.data("the \(method.name) split leaves fold \(f.index + 1) with no training interactions") }
            guard !f.test.isEmpty else { throw RecLabError.data("the \(method.name) split leaves fold \(f.index + 1) with no test interactions") }
        }
        return folds
    }

    private static func checkFraction(_ f: Double) throws {
        guard f > 0 && f < 1 else { throw RecLabError.config("fraction must be strictly between 0 and 1, got \(f)", key: "split.fraction") }
    }

    /// Rows where `isTest` go to test, the rest to train; both come out sorted.
    private static func partition(_ n: Int, index: Int, _ isTest: (Int) -> Bool) -> SplitFold {
        var train: [Int32] = [], test: [Int32] = []
        train.reserveCapacity(n)
        for r in 0..<n { if isTest(r) { test.append(Int32(r)) } else { train.append(Int32(r)) } }
        return SplitFold(index: index, train: train, test: test)
    }

    /// Per user, the last `testCount(count)` rows (rows are in time order within a user) go to test;
    /// users with fewer than 2 interactions stay in train.
    private static func perUserTail(_ d: Dataset, testCount: (Int) -> Int) -> SplitFold {
        var train: [Int32] = [], test: [Int32] = []
        train.reserveCapacity(d.interactionCount)
        for u in 0..<d.userCount {
            let lo = d.userStart[u], hi = d.userStart[u + 1], count = hi - lo
            let t = count >= 2 ? max(0, testCount(count)) : 0
            for r in lo..<(hi - t) { train.append(Int32(r)) }
            for r in (hi - t)..<hi { test.append(Int32(r)) }
        }
        return SplitFold(index: 0, train: train, test: test)
    }

    /// Strong generalisation's single fold: held-out users drawn by a seeded shuffle of the users with at least
    /// two interactions; each one's rows shuffled (seeded per user) and the first `foldIn` share (at least one,
    /// leaving at least one) is fold-in, the rest test.
    private static func strongGeneralization(_ d: Dataset, heldOut share: Double, foldIn foldInShare: Double, seed: UInt64) -> SplitFold {
        var candidates = (0..<d.userCount).filter { d.userStart[$0 + 1] - d.userStart[$0] >= 2 }
        var rng = SeededRandom(seed: seed, stream: "split-strong-users")
        rng.shuffle(&candidates)
        let heldOutCount = Int((Double(candidates.count) * share).rounded())
        var isHeldOut = [Bool](repeating: false, count: d.userCount)
        for u in candidates.prefix(heldOutCount) { isHeldOut[u] = true }
        var train: [Int32] = [], test: [Int32] = [], foldIn: [Int32] = []
        train.reserveCapacity(d.interactionCount)
        for u in 0..<d.userCount {
            let lo = d.userStart[u], hi = d.userStart[u + 1]
            guard isHeldOut[u] else { for r in lo..<hi { train.append(Int32(r)) }; continue }
            giveFoldIn((lo..<hi).map { Int32($0) }, share: foldInShare, random: SeededRandom(seed: seed, stream: "split-strong-user-\(u)"),
                       foldIn: &foldIn, test: &test)
        }
        foldIn.sort(); test.sort()
        return SplitFold(index: 0, train: train, test: test, foldIn: foldIn)
    }

    // MARK: Config

    /// Reads an experiment's `split:` block (keys in README "Synthetic worlds" > Splits):
    /// `method: holdout` (`fraction`), `kfold` (`k`), `user-temporal` (`last` or `fraction`),
    /// `global-temporal` (`fraction` or `cut`: Unix seconds or YYYY-MM-DD), `predefined`
    /// (`folds: [{train: PATH, test: PATH}]`, or `folder: DIR` + `names: [u1, ...]` for DIR/u1.base, DIR/u1.test).
    /// Unknown keys and missing files are errors naming key and line.
    /// `fileExists` checks predefined split files at parse time (the local file system unless given).
    public static func parse(node: ConfigNode, fileExists: (String) -> Bool = LocalFiles.exists) throws -> SplitMethod {
        let m = try node.map()
        let methodNode = try m.required("method")
        let name = try methodNode.string()
        func fraction(_ def: Double) throws -> Double {
            guard let n = m.optional("fraction") else { return def }
            let f = try n.double()
            guard f > 0 && f < 1 else { throw n.error("fraction must be strictly between 0 and 1, got \(f)") }
            return f
        }
        let method: SplitMethod
        switch name {
        case "holdout":
            method = .holdout(testFraction: try fraction(0.2))
        case "kfold":
            var k = 5
            if let n = m.optional("k") {
                k = try n.int()
                guard (2...100).contains(k) else { throw n.error("k must be in 2...100, got \(k)") }
            }
            method = .kFold(k: k)
        case "user-temporal":
            if let n = m.optional("last") {
                let last = try n.int()
                guard last >= 1 else { throw n.error("last must be at least 1, got \(last)") }
                if m.optional("fraction") != nil { throw n.error("give either 'last' or 'fraction', not both") }
                method = .userLastK(k: last)
            } else {
                method = .userLastFraction(fraction: try fraction(0.2))
            }
        case "global-temporal":
            if let n = m.optional("cut") {
                if m.optional("fraction") != nil { throw n.error("give either 'cut' or 'fraction', not both") }
                let text = try n.string()
                if let t = Int64(text) {
                    method = .globalTimeCut(timestamp: t)
                } else if let t = parseDate(text) {
                    method = .globalTimeCut(timestamp: t)
                } else {
                    throw n.error("cut must be Unix seconds or a date YYYY-MM-DD, got '\(text)'")
                }
            } else {
                method = .globalTimeFraction(testFraction: try fraction(0.2))
            }
        case "predefined":
            var pairs: [PredefinedPair] = []
            if let foldsNode = m.optional("folds") {
                if m.optional("folder") != nil { throw foldsNode.error("give either 'folds' or 'folder' + 'names', not both") }
                let list = try foldsNode.list()
                guard !list.isEmpty else { throw foldsNode.error("list at least one {train, test} pair") }
                for f in list {
                    let fm = try f.map()
                    let trainNode = try fm.required("train"), testNode = try fm.required("test")
                    try fm.finish()
                    for n in [trainNode, testNode] {
                        let p = try n.string()
                        guard fileExists(p) else { throw n.error("split file '\(p)' not found") }
                    }
                    pairs.append(PredefinedPair(train: try trainNode.string(), test: try testNode.string()))
                }
            } else {
                let folderNode = try m.required("folder")
                let folder = try folderNode.string()
                let namesNode = try m.required("names")
                let names = try namesNode.list().map { try $0.string() }
                guard !names.isEmpty else { throw namesNode.error("list at least one split name, for example [u1, u2]") }
                for name in names {
                    let pair = PredefinedPair(train: "\(folder)/\(name).base", test: "\(folder)/\(name).test")
                    for p in [pair.train, pair.test] where !fileExists(p) {
                        throw namesNode.error("split file '\(p)' not found")
                    }
                    pairs.append(pair)
                }
            }
            method = .predefined(pairs)
        case "strong-generalization":
            var users = 0.2
            if let n = m.optional("users") {
                users = try n.double()
                guard users > 0 && users < 1 else { throw n.error("users (the share of users held out) must be strictly between 0 and 1, got \(users)") }
            }
            var foldIn = 0.8
            if let n = m.optional("fold_in") {
                foldIn = try n.double()
                guard foldIn > 0 && foldIn < 1 else { throw n.error("fold_in (the share of a held-out user's history given to the model) must be strictly between 0 and 1, got \(foldIn)") }
            }
            method = .strongGeneralization(heldOutUsers: users, foldIn: foldIn)
        case "leave-one-out":
            var negatives = 100
            if let n = m.optional("sampled_negatives") {
                negatives = try n.int()
                guard (0...100_000).contains(negatives) else { throw n.error("sampled_negatives must be in 0...100000 (0 = full ranking only), got \(negatives)") }
            }
            method = .leaveOneOut(sampledNegatives: negatives)
        default:
            throw methodNode.error("unknown split method '\(name)'; expected one of: holdout, kfold, user-temporal, global-temporal, predefined, strong-generalization, leave-one-out")
        }
        try m.finish()
        return method
    }

    /// Unix seconds of `YYYY-MM-DD` 00:00 UTC.
    static func parseDate(_ s: String) -> Int64? {
        let p = s.split(separator: "-").compactMap { Int($0) }
        guard p.count == 3, (1...12).contains(p[1]), (1...31).contains(p[2]) else { return nil }
        // days_from_civil (H. Hinnant).
        let y = p[1] <= 2 ? p[0] - 1 : p[0]
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (p[1] + (p[1] > 2 ? -3 : 9)) + 2) / 5 + p[2] - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Int64(era * 146_097 + doe - 719_468) * 86_400
    }
}

/// Maps lines of ml-100k-format split files to dataset rows: the user id is pseudonymised with the
/// import key (given by the caller), then (user, timestamp, movie) is looked up by binary
/// search in the user's time-ordered rows. Every line must match exactly one dataset row.
struct PredefinedMatcher {
    let dataset: Dataset
    let pseudonymizer: Pseudonymizer

    /// Sorted rows named by `file`. Lines naming a row in `excluding` (the fold's train file) are a leak
    /// and an input error, as are repeated lines and lines with no matching interaction.
    func rows(file: String, data: Data, excluding: [Int32] = []) throws -> [Int32] {
        var out: [Int32] = []
        // 1 = listed in this file, 2 = in the excluded (training) file.
        var mark = [UInt8](repeating: 0, count: dataset.interactionCount)
        for r in excluding { mark[Int(r)] = 2 }
        var userCache: [Int64: Int32] = [:]
        var line = 0
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var pos = 0
            var tokens: [Range<Int>] = []
            while pos < bytes.count {
                line += 1
                var end = pos
                while end < bytes.count && bytes[end] != 10 { end += 1 }
                defer { pos = end + 1 }
                // Tokens separated by tabs or spaces (a trailing CR is whitespace too).
                tokens.removeAll(keepingCapacity: true)
                var k = pos
                while k < end {
                    while k < end && (bytes[k] == 9 || bytes[k] == 32 || bytes[k] == 13) { k += 1 }
                    let s = k
                    while k < end && !(bytes[k] == 9 || bytes[k] == 32 || bytes[k] == 13) { k += 1 }
                    if k > s { tokens.append(s..<k) }
                }
                if tokens.isEmpty { continue }
                func text(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[r]), as: UTF8.self) }
                guard tokens.count == 4 else {
                    throw RecLabError.input("expected 4 fields (user, movie, rating, timestamp), found \(tokens.count)", file: file, line: line)
                }
                func integer(_ t: Int) throws -> Int64 {
                    var v: Int64 = 0
                    for i in tokens[t] {
                        let c = bytes[i]
                        guard c >= 48 && c <= 57, v < Int64.max / 10 - 9 else {
                            throw RecLabError.input("field \(t + 1) ('\(text(tokens[t]))') is not an integer", file: file, line: line)
                        }
                        v = v * 10 + Int64(c - 48)
                    }
                    return v
                }
                let userId = try integer(0), movieId = try integer(1), timestamp = try integer(3)
                guard let rating = Float(text(tokens[2])) else {
                    throw RecLabError.input("rating '\(text(tokens[2]))' is not a number", file: file, line: line)
                }
                let user: Int32
                if let u = userCache[userId] { user = u } else {
                    guard let u = dataset.userIndex(pseudonym: pseudonymizer.pseudonym(for: String(userId))) else {
                        throw RecLabError.input("user \(userId) is not in the dataset (imported with another RECLAB_PSEUDONYM_KEY, or another dataset?)", file: file, line: line)
                    }
                    userCache[userId] = u; user = u
                }
                guard let item = dataset.itemIndex(movieId: movieId) else {
                    throw RecLabError.input("movie \(movieId) is not in the dataset", file: file, line: line)
                }
                guard let row = find(user: Int(user), item: item, timestamp: timestamp) else {
                    throw RecLabError.input("no interaction of user \(userId) with movie \(movieId) at \(timestamp) in the dataset", file: file, line: line)
                }
                let stored = dataset.ratings[Int(row)]
                if !stored.isNaN && stored != rating {
                    throw RecLabError.input("rating \(text(tokens[2])) differs from the dataset's \(stored) for user \(userId), movie \(movieId)", file: file, line: line)
                }
                switch mark[Int(row)] {
                case 1: throw RecLabError.input("the same interaction is listed twice", file: file, line: line)
                case 2: throw RecLabError.input("this interaction is also in the training file (test rows must not leak into train)", file: file, line: line)
                default: mark[Int(row)] = 1
                }
                out.append(row)
            }
        }
        out.sort()
        return out
    }

    /// Row of (user, item, timestamp): binary search on (timestamp, item) in the user's rows.
    private func find(user: Int, item: Int32, timestamp: Int64) -> Int32? {
        var lo = dataset.userStart[user], hi = dataset.userStart[user + 1]
        while lo < hi {
            let mid = (lo + hi) >> 1
            let t = dataset.timestamps[mid], i = dataset.items[mid]
            if t < timestamp || (t == timestamp && i < item) { lo = mid + 1 } else { hi = mid }
        }
        guard lo < dataset.userStart[user + 1], dataset.timestamps[lo] == timestamp, dataset.items[lo] == item else { return nil }
        return Int32(lo)
    }
}

// MARK: Validation carved from a training part

extension Splitter {
    /// The validation fold of one training part, for tuning: `train` (sorted rows of an outer fold's training
    /// part) is split again with the same method, so the validation data mirrors the test data and never
    /// touches it. Its `train` is what a trial fits on and its `test` what it is scored on; both are subsets of
    /// `train`. How each method is applied inside the training part:
    /// - `holdout`: a random share `fraction` of the training rows;
    /// - `kfold`: one inner fold, a random 1/k of the training rows (a single validation fold, not k);
    /// - `user-temporal` (`last`/`fraction`): per user, the latest training rows by the same rule;
    /// - `global-temporal` (`fraction`): the same share at a cut inside the training period; with a fixed
    ///   `cut` the stated alternative is the cut at the outer fold's test share inside the training period;
    /// - `predefined`: the stated alternative is a random holdout of the outer fold's test share;
    /// - `strong-generalization`: validation users are drawn from the training users as the outer split draws
    ///   its held-out users (the same share, at least two training rows each); each gives the same fold-in share
    ///   of their rows to the fitted model (the fold's `foldIn`) and the rest is validated. The training users
    ///   were never held out, so validation never sees an outer test user.
    /// Random carvings draw only from `seed`. Throws `.data` when the validation train or test part is empty.
    public static func validation(of train: [Int32], outerTestCount: Int, in dataset: Dataset, method: SplitMethod,
                                  seed: UInt64) throws -> SplitFold {
        let outerShare = Double(outerTestCount) / Double(max(1, outerTestCount + train.count))
        func randomShare(_ fraction: Double) -> SplitFold {
            var order = train
            var rng = SeededRandom(seed: seed, stream: "split-validation")
            rng.shuffle(&order)
            let count = Int((Double(train.count) * fraction).rounded())
            var picked = Set(order.prefix(count))
            picked.reserveCapacity(count)
            return part(train) { picked.contains($0) }
        }
        func timeShare(_ fraction: Double) -> SplitFold {
            let sorted = train.map { dataset.timestamps[Int($0)] }.sorted()
            guard !sorted.isEmpty else { return SplitFold(index: 0, train: train, test: []) }
            let cutIndex = min(sorted.count - 1, max(0, sorted.count - Int((Double(sorted.count) * fraction).rounded())))
            let cut = sorted[cutIndex]
            return part(train) { dataset.timestamps[Int($0)] >= cut }
        }
        let fold: SplitFold
        switch method {
        case .holdout(let f): fold = randomShare(f)
        case .kFold(let k): fold = randomShare(1 / Double(k))
        case .userLastK(let k): fold = perUserTail(train, dataset) { min(k, $0 - 1) }
        case .userLastFraction(let f):
            fold = perUserTail(train, dataset) { count in min(count - 1, max(1, Int((Double(count) * f).rounded()))) }
        case .globalTimeFraction(let f): fold = timeShare(f)
        case .globalTimeCut: fold = timeShare(outerShare)
        case .predefined: fold = randomShare(outerShare)
        case .leaveOneOut: fold = perUserTail(train, dataset) { _ in 1 }
        case .strongGeneralization(let share, let foldInShare):
            fold = heldOutUsers(train, dataset, share: share, foldIn: foldInShare, seed: seed)
        }
        guard !fold.train.isEmpty, !fold.test.isEmpty else {
            throw RecLabError.data("the \(method.name) split leaves no \(fold.train.isEmpty ? "training" : "validation") interactions inside the training part for tuning")
        }
        return fold
    }

    /// Strong generalisation inside a training part: a seeded share of the users of `rows` (sorted, hence
    /// grouped by user) with at least two rows is held out; each one's rows are shuffled (seeded per user) and
    /// the first `foldIn` share (at least one, leaving at least one) is fold-in, the rest test.
    private static func heldOutUsers(_ rows: [Int32], _ d: Dataset, share: Double, foldIn foldInShare: Double,
                                     seed: UInt64) -> SplitFold {
        var groups: [Range<Int>] = []
        var lo = 0
        while lo < rows.count {
            let user = d.users[Int(rows[lo])]
            var hi = lo
            while hi < rows.count && d.users[Int(rows[hi])] == user { hi += 1 }
            groups.append(lo..<hi)
            lo = hi
        }
        var candidates = groups.indices.filter { groups[$0].count >= 2 }
        var rng = SeededRandom(seed: seed, stream: "split-validation-strong-users")
        rng.shuffle(&candidates)
        var isHeldOut = [Bool](repeating: false, count: groups.count)
        for g in candidates.prefix(Int((Double(candidates.count) * share).rounded())) { isHeldOut[g] = true }
        var train: [Int32] = [], test: [Int32] = [], foldIn: [Int32] = []
        train.reserveCapacity(rows.count)
        for (g, range) in groups.enumerated() {
            guard isHeldOut[g] else { train += rows[range]; continue }
            let user = d.users[Int(rows[range.lowerBound])]
            giveFoldIn(Array(rows[range]), share: foldInShare, random: SeededRandom(seed: seed, stream: "split-validation-strong-user-\(user)"),
                       foldIn: &foldIn, test: &test)
        }
        foldIn.sort(); test.sort()
        return SplitFold(index: 0, train: train, test: test, foldIn: foldIn)
    }

    /// One held-out user's rows, shuffled by `random`: the first `share` of them (at least one, leaving at least
    /// one) go to `foldIn`, the rest to `test`.
    private static func giveFoldIn(_ rows: [Int32], share: Double, random: SeededRandom, foldIn: inout [Int32], test: inout [Int32]) {
        var rows = rows, random = random
        random.shuffle(&rows)
        let given = min(rows.count - 1, max(1, Int((Double(rows.count) * share).rounded())))
        foldIn += rows[..<given]
        test += rows[given...]
    }

    /// Rows of `rows` (sorted) where `isTest`, and the rest; both stay sorted.
    private static func part(_ rows: [Int32], _ isTest: (Int32) -> Bool) -> SplitFold {
        var train: [Int32] = [], test: [Int32] = []
        train.reserveCapacity(rows.count)
        for r in rows { if isTest(r) { test.append(r) } else { train.append(r) } }
        return SplitFold(index: 0, train: train, test: test)
    }

    /// Per user among `rows` (sorted, hence grouped by user and in time order), the last `testCount(count)`
    /// rows go to test; users with fewer than 2 rows stay in train.
    private static func perUserTail(_ rows: [Int32], _ d: Dataset, testCount: (Int) -> Int) -> SplitFold {
        var train: [Int32] = [], test: [Int32] = []
        train.reserveCapacity(rows.count)
        var lo = 0
        while lo < rows.count {
            let user = d.users[Int(rows[lo])]
            var hi = lo
            while hi < rows.count && d.users[Int(rows[hi])] == user { hi += 1 }
            let count = hi - lo
            let t = count >= 2 ? max(0, testCount(count)) : 0
            train += rows[lo..<(hi - t)]
            test += rows[(hi - t)..<hi]
            lo = hi
        }
        return SplitFold(index: 0, train: train, test: test)
    }
}
