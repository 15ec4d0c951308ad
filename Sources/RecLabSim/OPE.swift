import Foundation
import RecLabConfig
import RecLabPlan
import RecLabCore
import RecLabStats
import RecLabResults
import RecLabStrategies

/// How a policy turns a strategy's scores over the candidate titles into action probabilities.
public enum PolicyRule: Sendable, Equatable {
    /// All mass on the best-scored candidate (ties to the lower item index).
    case greedy
    /// 1 - epsilon on the best candidate, epsilon spread uniformly over all candidates.
    case epsilonGreedy(Double)
    /// exp(z / temperature) over the candidates' standardised scores z (so the temperature means the same
    /// for strategies whose raw scores live on different scales).
    case softmax(Double)

    public var description: String {
        switch self {
        case .greedy: return "greedy"
        case .epsilonGreedy(let e): return "epsilon-greedy(\(e))"
        case .softmax(let t): return "softmax(\(t))"
        }
    }

    /// Action probabilities for candidate scores.
    func probabilities(_ scores: [Float]) -> [Double] {
        let k = scores.count
        // A user who has seen every available title has no candidates.
        guard k > 0 else { return [] }
        var best = 0
        for j in 1..<k where scores[j] > scores[best] { best = j }
        switch self {
        case .greedy:
            var p = [Double](repeating: 0, count: k); p[best] = 1; return p
        case .epsilonGreedy(let e):
            var p = [Double](repeating: e / Double(k), count: k); p[best] += 1 - e; return p
        case .softmax(let t):
            let xs = scores.map { Double($0.isFinite ? $0 : -1e9) }
            let mean = xs.reduce(0, +) / Double(k)
            let sd = max((xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(k)).squareRoot(), 1e-12)
            let z = xs.map { ($0 - mean) / sd / t }
            let m = z.max()!
            let e = z.map { exp($0 - m) }
            let s = e.reduce(0, +)
            return e.map { $0 / s }
        }
    }
}

public struct PolicySpec: Sendable {
    public var name: String
    public var type: String
    public var parameters: Parameters
    public var rule: PolicyRule
}

/// A parsed `reclab ope` config.
public struct OPEConfig: Sendable {
    public var name: String
    public var seed: UInt64
    public var dataset: DatasetBlock
    /// Logged contexts (visits).
    public var visits: Int
    /// Contexts for each target policy's on-policy (true) value.
    public var trueVisits: Int
    /// Size of the action set: the logging strategy's top candidates for the user.
    public var candidates: Int
    public var logging: PolicySpec
    public var targets: [PolicySpec]
    /// The strategy types the policies were validated against, and the session builds from.
    public var strategies: WorldStrategies

    /// Range of `visits` and `true_visits`.
    public static let maxVisitsRange = 10...10_000_000
    /// Range of `candidates` (the action set of each context).
    public static let candidatesRange = 2...1000
    /// Most candidates over all contexts of one log (`visits × candidates`, and `true_visits × candidates`).
    public static let maxContextCandidates = 100_000_000

    /// `strategies`: the types policies may name (the application layer's `SimulationStrategies.catalogue`).
    public static func parse(_ text: String, file: String?, strategies: WorldStrategies) throws -> OPEConfig {
        let root = try ConfigNode.parse(text, file: file).map()
        // name (the default output folder reports/ope/<name>), seed and dataset: the header every config kind shares.
        let header = try ConfigHeader.read(root, what: "the OPE run name", simulatesWorld: true)
        let (name, seed, dataset) = (header.name, header.seed, header.dataset)
        func count(_ key: String, _ def: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let n = root.optional(key) else { return def }
            let v = try n.int()
            guard range.contains(v) else { throw n.error("must be in \(range.lowerBound)...\(range.upperBound), got \(v)") }
            return v
        }
        let visits = try count("visits", 20_000, maxVisitsRange)
        let trueVisits = try count("true_visits", 50_000, maxVisitsRange)
        let candidates = try count("candidates", 10, candidatesRange)
        // Every context keeps its candidates and their probabilities (about 12 bytes per candidate).
        for (key, v) in [("visits", visits), ("true_visits", trueVisits)] where v * candidates > maxContextCandidates {
            throw root.optional(key)!.error("\(key) × candidates = \(v) × \(candidates) is above the limit of \(maxContextCandidates) (memory); lower one of them")
        }
        let logging = try readPolicy(try root.required("logging"), defaultName: "logging", file: file, strategies: strategies)
        if logging.rule == .greedy {
            throw (root.optional("logging") ?? root.node).error("the logging policy must explore (epsilon-greedy or softmax): a greedy log has zero propensity for other actions")
        }
        let targetsNode = try root.required("targets")
        let targets = try targetsNode.list().map { try readPolicy($0, defaultName: nil, file: file, strategies: strategies) }
        guard !targets.isEmpty else { throw targetsNode.error("needs at least one target policy") }
        try root.finish()
        return OPEConfig(name: name, seed: seed, dataset: dataset, visits: visits, trueVisits: trueVisits,
                         candidates: candidates, logging: logging, targets: targets, strategies: strategies)
    }

    static func readPolicy(_ node: ConfigNode, defaultName: String?, file: String?, strategies: WorldStrategies) throws -> PolicySpec {
        let m = try node.map()
        let nameNode = m.optional("name")
        let name = try nameNode?.string() ?? defaultName
        guard let name else { throw node.error("a target policy needs a name") }
        if let nameNode {
            try SafeName.validate(name, what: "the policy name", file: nameNode.file, line: nameNode.line, key: nameNode.path)
        }
        let typeNode = try m.required("strategy")
        let type = try typeNode.string()
        var params = Parameters(file: file)
        if let pn = m.optional("params") {
            for e in try pn.map().entriesAll() { params.values[e.key] = try e.node.paramValue(); params.lines[e.key] = e.line }
        }
        let policyNode = m.optional("policy")
        let policy = try policyNode?.string() ?? "greedy"
        let rule: PolicyRule
        switch policy {
        case "greedy": rule = .greedy
        case "epsilon-greedy":
            let n = m.optional("epsilon")
            let e = try n?.double() ?? 0.1
            guard e > 0 && e <= 1 else { throw (n ?? node).error("epsilon must be in (0, 1]") }
            rule = .epsilonGreedy(e)
        case "softmax":
            let n = m.optional("temperature")
            let t = try n?.double() ?? 1
            guard t >= 1e-3 && t <= 1e3 else { throw (n ?? node).error("temperature must be in 0.001...1000, got \(t)") }
            rule = .softmax(t)
        default: throw policyNode!.error("unknown policy '\(policy)'; expected greedy, epsilon-greedy or softmax")
        }
        try m.finish()
        try validateStrategy(type: type, parameters: params, node: typeNode, strategies: strategies)
        return PolicySpec(name: name, type: type, parameters: params, rule: rule)
    }
}

/// Off-policy evaluation of recommendation policies on one featured slot.
///
/// Each logged context is a visit of a user (drawn in proportion to their visit probability); the action set
/// is the logging strategy's top `candidates` unseen titles; the logging policy picks one with known
/// propensity; the reward is a play (the featured tile is always examined), drawn from the world.
/// Estimators, for a target policy pi and logging policy mu with weights w = pi(a|x) / mu(a|x):
/// - replay (Li, Chu, Langford and Wang, WSDM 2011): mean reward over events where the logged action equals
///   the target's (sampled) action; unbiased when the logging policy is uniform, shown here beside the others;
/// - IPS (Horvitz and Thompson 1952; in bandits e.g. Strehl et al. 2010): mean of w r;
/// - SNIPS (Swaminathan and Joachims, NeurIPS 2015): sum(w r) / sum(w), CI by the delta method;
/// - DM: a reward model q(x, a) (smoothed per-title play rate in the log, which ignores the user and so is
///   biased) averaged under pi;
/// - DR (Dudik, Langford and Li, ICML 2011): DM plus the IPS-weighted residual r - q(x, a).
/// CIs are normal intervals over per-event terms. The true value is the target's expected play rate run
/// on-policy in the same world on fresh contexts (exact expectation per context, averaged).
public enum OPERunner {
    struct Context {
        var user: Int
        var candidates: [Int32]
        var loggingProbs: [Double]
        var action: Int
        var reward: Double
    }

    /// Threads and provenance come from `context`.
    public static func run(config: OPEConfig, configText: String, configPath: String?, world: LoadedWorld,
                           context: RunContext = RunContext()) throws -> OPEResults {
        var config = config
        config.seed = context.seedTree(planSeed: config.seed).seed
        let (session, logSize, estimates) = try context.bound {
            let session = try OPESession(config: config, world: world)
            let (logSize, estimates) = session.estimates(logSeed: config.seed)
            return (session, logSize, estimates)
        }
        let targetsOut = config.targets.indices.map { t -> OPETarget in
            let spec = config.targets[t], truth = session.truth[t]
            return OPETarget(policy: "\(spec.name) [\(spec.type), \(spec.rule.description)]", trueValue: truth.mean,
                             trueCiLow: truth.ciLow, trueCiHigh: truth.ciHigh, estimates: estimates[t])
        }
        let configHash = SHA256.hexDigest(configText)
        let provenance = Provenance(configPath: configPath, configHash: configHash, configText: configText, seed: config.seed,
                                    reclabVersion: context.reclabVersion, gitCommit: context.gitCommit, createdAt: nil,
                                    dataset: DatasetCard(summarizing: world.dataset, synthetic: true))
        let runId = ResultJSON.runId(kind: "ope", configHash: configHash, datasetHash: world.dataset.contentHash, seed: config.seed)
        return OPEResults(runId: runId, name: config.name, provenance: provenance,
                          loggingPolicy: "\(config.logging.name) [\(config.logging.type), \(config.logging.rule.description)]",
                          logSize: logSize, targets: targetsOut)
    }

    static func order(_ e: String) -> Int { ["replay", "ips", "snips", "dm", "dr"].firstIndex(of: e) ?? 9 }

    static func contexts(count: Int, seed: UInt64, stream: UInt64, sampler: AliasTable, world: LoadedWorld,
                         logger: any Recommender, loggingRule: PolicyRule, candidates k: Int, drawAction: Bool) -> [Context] {
        let nItems = world.dataset.itemCount
        let ds = world.dataset
        var out = [Context?](repeating: nil, count: count)
        out.withUnsafeMutableBufferPointer { buf in
            Parallel.forEachChunk(count, minChunk: 256) { range in
                var scores = [Float](repeating: 0, count: nItems)
                for n in range {
                    var rng = SeededRandom(seed: seed, stream: stream &* 0x9E37_79B9 &+ UInt64(n))
                    let u = sampler.sample(&rng)
                    let cands: [ScoredItem] = scores.withUnsafeMutableBufferPointer { sb in
                        logger.score(user: u, into: sb)
                        for r in ds.userStart[u]..<ds.userStart[u + 1] { sb[Int(ds.items[r])] = -.infinity }
                        for i in 0..<nItems where !world.behaviour.isAvailable(item: i, day: 0) { sb[i] = -.infinity }
                        return TopK.select(scores: UnsafeBufferPointer(sb), k: k)
                    }
                    let items = cands.map(\.item)
                    let probs = loggingRule.probabilities(cands.map(\.score))
                    var action = 0, reward = 0.0
                    if drawAction && !items.isEmpty {
                        var x = rng.nextDouble(), j = 0
                        while j < probs.count - 1 && x >= probs[j] { x -= probs[j]; j += 1 }
                        action = j
                        reward = rng.nextDouble() < world.behaviour.playProbability(user: u, item: Int(items[j]), day: 0) ? 1 : 0
                    }
                    buf[n] = Context(user: u, candidates: items, loggingProbs: probs, action: action, reward: reward)
                }
            }
        }
        return out.compactMap { $0 }.filter { !$0.candidates.isEmpty }
    }

    static func policyProbabilities(_ contexts: [Context], policy: any Recommender, rule: PolicyRule, nItems: Int) -> [[Double]] {
        var out = [[Double]](repeating: [], count: contexts.count)
        out.withUnsafeMutableBufferPointer { buf in
            Parallel.forEachChunk(contexts.count, minChunk: 256) { range in
                var scores = [Float](repeating: 0, count: nItems)
                for n in range {
                    let c = contexts[n]
                    let s: [Float] = scores.withUnsafeMutableBufferPointer { sb in
                        policy.score(user: c.user, into: sb)
                        return c.candidates.map { sb[Int($0)] }
                    }
                    buf[n] = rule.probabilities(s)
                }
            }
        }
        return out
    }

    /// The five estimates with normal 95% intervals.
    static func estimate(_ log: [Context], pi: [[Double]], seed: UInt64) -> [OPEEstimate] {
        let n = log.count
        let z = Normal.quantile(0.975)
        func interval(_ name: String, _ terms: [Double]) -> OPEEstimate {
            let e = ABAnalysis.meanEstimate(terms)
            return OPEEstimate(estimator: name, value: e.mean, ciLow: e.mean - z * e.standardError,
                               ciHigh: e.mean + z * e.standardError, n: e.n)
        }
        // Reward model for DM/DR: per-title play rate in the log, shrunk toward the global rate (10 pseudo-events).
        var plays: [Int32: Double] = [:], shows: [Int32: Double] = [:]
        var total = 0.0
        for c in log { let a = c.candidates[c.action]; plays[a, default: 0] += c.reward; shows[a, default: 0] += 1; total += c.reward }
        let global = n > 0 ? total / Double(n) : 0
        func q(_ item: Int32) -> Double { (plays[item, default: 0] + 10 * global) / (shows[item, default: 0] + 10) }

        var ips = [Double](), w = [Double](), dm = [Double](), dr = [Double](), replay = [Double]()
        ips.reserveCapacity(n); w.reserveCapacity(n); dm.reserveCapacity(n); dr.reserveCapacity(n)
        var rng = SeededRandom(seed: seed, stream: "replay")
        for (k, c) in log.enumerated() {
            let weight = pi[k][c.action] / c.loggingProbs[c.action]
            ips.append(weight * c.reward)
            w.append(weight)
            var direct = 0.0
            for (j, item) in c.candidates.enumerated() where pi[k][j] > 0 { direct += pi[k][j] * q(item) }
            dm.append(direct)
            dr.append(direct + weight * (c.reward - q(c.candidates[c.action])))
            // Replay: draw the target's action; keep the event when it matches the logged one.
            var x = rng.nextDouble(), j = 0
            while j < pi[k].count - 1 && x >= pi[k][j] { x -= pi[k][j]; j += 1 }
            if j == c.action { replay.append(c.reward) }
        }
        let snips = ABAnalysis.ratioEstimate(ips, w)
        return [
            interval("replay", replay),
            interval("ips", ips),
            OPEEstimate(estimator: "snips", value: snips.mean, ciLow: snips.mean - z * snips.standardError,
                        ciHigh: snips.mean + z * snips.standardError, n: n),
            interval("dm", dm),
            interval("dr", dr),
        ]
    }
}

/// Fitted policies and each target's true value, reusable across log seeds (the validation reruns only the logs).
public final class OPESession {
    public let config: OPEConfig
    let world: LoadedWorld
    let logger: any Recommender
    let targets: [any Recommender]
    let sampler: AliasTable
    /// Per target: its on-policy value on `trueVisits` fresh contexts (exact expected play rate per context).
    public let truth: [MetricSummary]

    public init(config: OPEConfig, world: LoadedWorld) throws {
        self.config = config
        self.world = world
        let behaviour = world.behaviour
        let train = TrainingSet(dataset: world.dataset, feedback: .implicit)
        func make(_ spec: PolicySpec) throws -> any Recommender {
            let r = try config.strategies.make(type: spec.type, parameters: spec.parameters, world: behaviour)
            try r.fit(train, context: FitContext(seed: config.seed &+ StableHash.fnv1a64(spec.name)))
            return r
        }
        logger = try make(config.logging)
        targets = try config.targets.map { try make($0) }
        let visitWeights = (0..<world.dataset.userCount).map { max(behaviour.visitProbability(user: $0, day: 0), 0) }
        guard visitWeights.reduce(0, +) > 0 else { throw RecLabError.data("no user ever visits in this world") }
        sampler = AliasTable(weights: visitWeights)
        let fresh = OPERunner.contexts(count: config.trueVisits, seed: config.seed, stream: 2, sampler: sampler, world: world,
                                       logger: logger, loggingRule: config.logging.rule, candidates: config.candidates,
                                       drawAction: false)
        let z = Normal.quantile(0.975)
        truth = config.targets.indices.map { [targets] t in
            let pi = OPERunner.policyProbabilities(fresh, policy: targets[t], rule: config.targets[t].rule,
                                                   nItems: world.dataset.itemCount)
            let values = fresh.indices.map { k -> Double in
                var v = 0.0
                for (j, item) in fresh[k].candidates.enumerated() where pi[k][j] > 0 {
                    v += pi[k][j] * behaviour.playProbability(user: fresh[k].user, item: Int(item), day: 0)
                }
                return v
            }
            let e = ABAnalysis.meanEstimate(values)
            return MetricSummary(mean: e.mean, ciLow: e.mean - z * e.standardError, ciHigh: e.mean + z * e.standardError, n: e.n)
        }
    }

    /// Logs `config.visits` visits with the given seed and estimates every target from them.
    public func estimates(logSeed: UInt64) -> (logSize: Int, perTarget: [[OPEEstimate]]) {
        let logged = OPERunner.contexts(count: config.visits, seed: logSeed, stream: 1, sampler: sampler, world: world,
                                        logger: logger, loggingRule: config.logging.rule, candidates: config.candidates,
                                        drawAction: true)
        let out = config.targets.indices.map { t -> [OPEEstimate] in
            let pi = OPERunner.policyProbabilities(logged, policy: targets[t], rule: config.targets[t].rule,
                                                   nItems: world.dataset.itemCount)
            return OPERunner.estimate(logged, pi: pi, seed: logSeed &+ UInt64(t))
                .sorted { OPERunner.order($0.estimator) < OPERunner.order($1.estimator) }
        }
        return (logged.count, out)
    }
}

extension OPERunner {
    /// The run as the recorder stores and writes it (`ope.json`), one metric row per target x estimator.
    public static func recorded(_ r: OPEResults) throws -> RecordedRun {
        let json = try ResultJSON.encoder().encode(r)
        var rows: [RunMetricRow] = []
        for t in r.targets {
            rows.append(RunMetricRow(subject: t.policy, metric: "true", fold: nil,
                                     summary: MetricSummary(mean: t.trueValue, ciLow: t.trueCiLow, ciHigh: t.trueCiHigh, n: 0)))
            for e in t.estimates {
                rows.append(RunMetricRow(subject: t.policy, metric: e.estimator, fold: nil,
                                         summary: MetricSummary(mean: e.value, ciLow: e.ciLow, ciHigh: e.ciHigh, n: e.n)))
            }
        }
        return RecordedRun(id: r.runId, kind: "ope", name: r.name, provenance: r.provenance, document: json,
                           metrics: rows, userValues: [], files: [("ope.json", json)])
    }
}
