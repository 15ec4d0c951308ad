import Foundation
import RecLabConfig
import RecLabCore
import RecLabStrategies

/// The values one parameter of a strategy is searched over (`search:` in a strategy entry).
public enum SearchDomain: Sendable, Equatable {
    /// Exactly these values (`[20, 50, 100]`, also for bools and choices).
    case values([ParamValue])
    /// Uniform between the bounds (`{range: [0, 100]}`); integers for integer parameters.
    case range(Double, Double, integer: Bool)
    /// Log-uniform between the bounds, both > 0 (`{log: [10, 10000]}`); integers for integer parameters.
    case logRange(Double, Double, integer: Bool)

    /// How the axis is written in reports: `[20, 50]`, `range 0…100`, `log 10…10000`.
    public var text: String {
        switch self {
        case .values(let v): return "[" + v.map(\.shortText).joined(separator: ", ") + "]"
        case .range(let a, let b, _): return "range \(ParamValue.double(a).shortText)…\(ParamValue.double(b).shortText)"
        case .logRange(let a, let b, _): return "log \(ParamValue.double(a).shortText)…\(ParamValue.double(b).shortText)"
        }
    }

    /// The value at quantile `u` in [0, 1) (random search) of the axis; numbers keep 4 significant digits, so
    /// selected values read like configured ones.
    func sample(_ u: Double) -> ParamValue {
        let value = rawSample(u)
        guard case .double(let x) = value, x != 0 else { return value }
        let scale = pow(10, 3 - floor(log10(abs(x))))
        return .double(min(upperBound, max(lowerBound, (x * scale).rounded() / scale)))
    }

    private var lowerBound: Double {
        switch self { case .range(let a, _, _), .logRange(let a, _, _): return a; case .values: return -.infinity }
    }
    private var upperBound: Double {
        switch self { case .range(_, let b, _), .logRange(_, let b, _): return b; case .values: return .infinity }
    }

    private func rawSample(_ u: Double) -> ParamValue {
        switch self {
        case .values(let v): return v[min(v.count - 1, Int(u * Double(v.count)))]
        case .range(let a, let b, let integer):
            if integer { return .int(min(Int(b), Int(a) + Int(u * (b - a + 1)))) }
            return .double(a + u * (b - a))
        case .logRange(let a, let b, let integer):
            if integer {
                let x = exp(log(a) + u * (log(b + 1) - log(a)))
                return .int(min(Int(b), max(Int(a), Int(x))))
            }
            return .double(exp(log(a) + u * (log(b) - log(a))))
        }
    }

    /// `points` evenly spaced values (geometrically for log ranges) for grid search; lists are themselves.
    func gridValues(points: Int) -> [ParamValue] {
        switch self {
        case .values(let v): return v
        case .range(let a, let b, let integer), .logRange(let a, let b, let integer):
            let isLog: Bool = { if case .logRange = self { return true }; return false }()
            var out: [ParamValue] = []
            for p in 0..<points {
                let t = points == 1 ? 0.5 : Double(p) / Double(points - 1)
                let x = isLog ? exp(log(a) + t * (log(b) - log(a))) : a + t * (b - a)
                let v: ParamValue = integer ? .int(Int(x.rounded())) : .double(x)
                if !out.contains(v) { out.append(v) }
            }
            return out
        }
    }
}

/// One searched parameter of a strategy.
public struct SearchAxis: Sendable, Equatable {
    public var parameter: String
    public var domain: SearchDomain
    public init(parameter: String, domain: SearchDomain) { self.parameter = parameter; self.domain = domain }
}

/// How the trials of a strategy are chosen.
public enum SearchMethod: String, Sendable, Equatable, CaseIterable {
    /// Every point of the grid (ranges discretised into `grid_points` values).
    case grid
    /// Independent uniform draws (Bergstra and Bengio, "Random Search for Hyper-Parameter Optimization",
    /// JMLR 2012): each trial's values depend only on (config seed, strategy, trial id).
    case random
    /// Successive halving over iterations (Jamieson and Talwalkar, AISTATS 2016; the inner loop of Hyperband,
    /// Li et al., JMLR 2018): `trials` random configurations are trained for a small share of the iteration
    /// budget, the best 1/eta continue with eta times more iterations, until one rung reaches the full budget.
    /// Strategies without iterations fall back to random search with the same number of trials.
    case halving
}

/// The `tune:` block of an experiment config: tuning on validation data carved from each training fold.
public struct TuningPlan: Sendable {
    /// The metric trials are selected on (a per-user ranking metric or a rating metric).
    public var metric: any Metric
    public var method: SearchMethod
    /// Trials per strategy (configurations for halving); the grid size for grid search when not given.
    public var trials: Int?
    /// Wall-clock budget per strategy: no trial starts once it is spent. Results then depend on machine
    /// speed (nondeterministic); the document records which budget ended each search.
    public var seconds: Double?
    /// Early stopping of iterative strategies: stop after this many validation checks without improvement.
    public var patience: Int
    /// Points per range axis in grid search.
    public var gridPoints: Int
    /// Successive halving's reduction factor.
    public var eta: Int

    public static let defaultTrials = 20
    public static let maxTrials = 500

    /// Where the config gave each key of `tune:` (file, line, key path), for errors found after parsing.
    var keyNodes: [String: ConfigNode] = [:]

    /// A config error at `key` of the `tune:` block: its file, line and key path when the config gave it.
    func error(at key: String, _ message: String, file: String?) -> RecLabError {
        keyNodes[key]?.error(message) ?? RecLabError.config(message, file: file, key: "tune.\(key)")
    }

    public init(metric: any Metric, method: SearchMethod = .random, trials: Int? = nil, seconds: Double? = nil,
                patience: Int = 3, gridPoints: Int = 5, eta: Int = 3) {
        self.metric = metric; self.method = method; self.trials = trials; self.seconds = seconds
        self.patience = patience; self.gridPoints = gridPoints; self.eta = eta
    }

    /// Parses `tune:`; every error names file, line and key.
    static func parse(_ node: ConfigNode) throws -> TuningPlan {
        let m = try node.map()
        let metricNode = try m.required("metric")
        let metrics: [any Metric]
        do { metrics = try MetricRegistry.parse(try metricNode.string()) } catch let e as RecLabError where e.file == nil {
            throw metricNode.error(e.message)
        }
        guard metrics.count == 1, let metric = metrics.first else {
            throw metricNode.error("tune on exactly one metric (for example ndcg@10 or rmse)")
        }
        guard metric is any ListMetric || metric is any RatingMetric else {
            throw metricNode.error("'\(metric.name)' is a catalogue metric; tune on a per-user ranking metric (ndcg@10, recall@20, ...) or a rating metric (rmse, mae)")
        }
        var plan = TuningPlan(metric: metric)
        if let n = m.optional("method") {
            let s = try n.string()
            guard let method = SearchMethod(rawValue: s) else {
                throw n.error("unknown search method '\(s)'; expected one of: \(SearchMethod.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            plan.method = method
        }
        if let n = m.optional("trials") {
            let t = try n.int()
            guard (1...maxTrials).contains(t) else { throw n.error("trials must be in 1...\(maxTrials), got \(t)") }
            plan.trials = t
        }
        if let n = m.optional("seconds") {
            let s = try n.double()
            guard s > 0 && s <= 7 * 86_400 else { throw n.error("seconds must be above 0 and at most a week (604800), got \(s)") }
            plan.seconds = s
        }
        if let n = m.optional("patience") {
            let p = try n.int()
            guard (1...1000).contains(p) else { throw n.error("patience must be in 1...1000, got \(p)") }
            plan.patience = p
        }
        if let n = m.optional("grid_points") {
            let p = try n.int()
            guard (2...100).contains(p) else { throw n.error("grid_points must be in 2...100, got \(p)") }
            plan.gridPoints = p
        }
        if let n = m.optional("eta") {
            let e = try n.int()
            guard (2...10).contains(e) else { throw n.error("eta must be in 2...10, got \(e)") }
            plan.eta = e
        }
        try m.finish()
        for key in ["method", "seconds"] { plan.keyNodes[key] = m.optional(key) }
        return plan
    }

    /// The search space `search: auto` gives a strategy type: curated spaces for the strategies whose sensitive
    /// parameters are known (from their doc comments' grids), else a log range of a quarter to four times the
    /// default of every positive numeric parameter that is not an iteration count, size limit, seed or
    /// implementation detail, clipped to its declared range. Strategies without such parameters get none.
    public static func autoSpace(for type: String) -> [SearchAxis] {
        switch type {
        case "ease":
            // Learning from the rating values (binarize: false) beats 0/1 on rated data such as ml-latest-small.
            return [SearchAxis(parameter: "lambda", domain: .logRange(100, 5000, integer: false)),
                    SearchAxis(parameter: "binarize", domain: .values([.bool(true), .bool(false)]))]
        case "item-knn":
            return [SearchAxis(parameter: "k", domain: .logRange(5, 200, integer: true)),
                    SearchAxis(parameter: "shrink", domain: .range(0, 100, integer: false))]
        case "user-knn":
            return [SearchAxis(parameter: "k", domain: .logRange(10, 200, integer: true)),
                    SearchAxis(parameter: "shrink", domain: .range(0, 100, integer: false))]
        case "implicit-als":
            return [SearchAxis(parameter: "factors", domain: .values([.int(32), .int(64), .int(128)])),
                    SearchAxis(parameter: "regularization", domain: .logRange(1, 400, integer: false)),
                    SearchAxis(parameter: "alpha", domain: .logRange(0.25, 16, integer: false))]
        case "bpr":
            return [SearchAxis(parameter: "learning_rate", domain: .logRange(0.01, 0.2, integer: false)),
                    SearchAxis(parameter: "reg_factors", domain: .logRange(0.0005, 0.05, integer: false))]
        case "als":
            return [SearchAxis(parameter: "factors", domain: .values([.int(20), .int(50), .int(100)])),
                    SearchAxis(parameter: "regularization", domain: .logRange(0.02, 0.5, integer: false))]
        case "biased-mf":
            // On ML-100K's folds a larger step with stronger regularisation (and early stopping) beats the defaults.
            return [SearchAxis(parameter: "factors", domain: .values([.int(100), .int(200)])),
                    SearchAxis(parameter: "reg_factors", domain: .logRange(0.05, 0.15, integer: false)),
                    SearchAxis(parameter: "learning_rate", domain: .logRange(0.007, 0.02, integer: false))]
        case "random", "most-popular", "hybrid": return []
        default: break
        }
        guard let strategy = StrategyRegistry.type(named: type) else { return [] }
        let skipped: Set<String> = ["iterations", "epochs", "max_items", "init_std", "strata", "cg_steps", "seed", "candidates",
                                    "min_support", "epsilon", "samples_per_epoch", "min_tag_items", "min_user_interactions",
                                    "min_item_interactions"]
        return strategy.parameterInfo.compactMap { info -> SearchAxis? in
            guard !skipped.contains(info.name), let d = info.defaultValue?.doubleValue, d > 0 else { return nil }
            switch info.type {
            case .int(let r):
                let lo = max(r.lowerBound, Int((d / 4).rounded())), hi = min(r.upperBound, Int((d * 4).rounded()))
                return lo < hi ? SearchAxis(parameter: info.name, domain: .logRange(Double(max(1, lo)), Double(hi), integer: true)) : nil
            case .double(let r):
                let lo = max(r.lowerBound, d / 4), hi = min(r.upperBound, d * 4)
                return lo < hi && lo > 0 ? SearchAxis(parameter: info.name, domain: .logRange(lo, hi, integer: false)) : nil
            case .bool, .choice: return nil
            }
        }
    }

    /// Parses a strategy entry's `search:` mapping and checks it against the strategy's parameter declarations:
    /// the parameter must be declared, lists are checked value by value by building the strategy, range bounds
    /// must lie in the declared range (integers for integer parameters), log bounds must be positive.
    static func parseSearch(_ node: ConfigNode, type: String, fixed: [String: ParamValue], file: String?,
                            validate: ExperimentConfig.StrategyValidator) throws -> [SearchAxis] {
        guard let strategyType = StrategyRegistry.type(named: type) else { return [] }
        if case .scalar("auto", false) = node.value {
            return autoSpace(for: type).filter { fixed[$0.parameter] == nil }
        }
        let declared = Dictionary(strategyType.parameterInfo.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var axes: [SearchAxis] = []
        for (key, _, value) in try node.map().entriesAll() {
            guard let info = declared[key] else {
                throw value.error("'\(key)' is not a parameter of \(type); its parameters: \(declared.keys.sorted().joined(separator: ", "))")
            }
            guard fixed[key] == nil else { throw value.error("'\(key)' is both fixed in params and searched; keep one") }
            let domain: SearchDomain
            switch value.value {
            case .sequence(let items):
                guard !items.isEmpty else { throw value.error("list at least one value to search") }
                var values: [ParamValue] = []
                for item in items {
                    let v = try item.paramValue()
                    var p = fixed
                    p[key] = v
                    do { try validate(type, Parameters(p, file: file)) } catch let e as RecLabError {
                        throw item.error("\(type) does not accept \(key) = \(v.shortText): \(e.message)")
                    }
                    if !values.contains(v) { values.append(v) }
                }
                domain = .values(values)
            case .mapping:
                let m = try value.map()
                let isLog = m.optional("log") != nil
                let boundsNode = try m.optional("log") ?? m.required("range")
                if m.optional("log") != nil && m.optional("range") != nil {
                    throw value.error("give either 'range' or 'log', not both")
                }
                try m.finish()
                let bounds = try boundsNode.list()
                guard bounds.count == 2 else { throw boundsNode.error("give [low, high], got \(bounds.count) values") }
                let lo = try bounds[0].double(), hi = try bounds[1].double()
                guard lo < hi else { throw boundsNode.error("low (\(lo)) must be below high (\(hi))") }
                if isLog && lo <= 0 { throw boundsNode.error("a log range needs low > 0, got \(lo)") }
                let integer: Bool
                switch info.type {
                case .int(let r):
                    integer = true
                    guard lo == lo.rounded(), hi == hi.rounded() else { throw boundsNode.error("\(key) is an integer parameter: give integer bounds") }
                    guard Double(r.lowerBound) <= lo, hi <= Double(r.upperBound) else {
                        throw boundsNode.error("\(key) must stay in \(info.type.valuesText); [\(ParamValue.double(lo).shortText), \(ParamValue.double(hi).shortText)] leaves it")
                    }
                case .double(let r):
                    integer = false
                    guard r.lowerBound <= lo, hi <= r.upperBound else {
                        throw boundsNode.error("\(key) must stay in \(info.type.valuesText); [\(ParamValue.double(lo).shortText), \(ParamValue.double(hi).shortText)] leaves it")
                    }
                case .bool, .choice:
                    throw value.error("\(key) is a \(info.type.name) parameter: list its values instead of a range")
                }
                domain = isLog ? .logRange(lo, hi, integer: integer) : .range(lo, hi, integer: integer)
            default:
                throw value.error("expected a list of values, {range: [low, high]} or {log: [low, high]}, got \(value.kindName)")
            }
            axes.append(SearchAxis(parameter: key, domain: domain))
        }
        guard !axes.isEmpty else { throw node.error("search at least one parameter, give 'auto', or leave 'search' out to keep the defaults") }
        return axes
    }
}
