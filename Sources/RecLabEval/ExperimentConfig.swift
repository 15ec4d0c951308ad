import Foundation
import RecLabConfig
import RecLabCore
import RecLabPlan
import RecLabStrategies

/// How relevance is judged for ranking metrics.
public enum RelevanceRule: Sendable, Equatable {
    /// Test interactions rated at or above the threshold are relevant.
    case threshold(Double)
    /// Every test interaction is relevant (implicit data).
    case implicit

    public var threshold: Double? {
        if case .threshold(let t) = self { return t }
        return nil
    }
}

/// One strategy of an experiment after grid expansion.
public struct StrategySpec: Sendable {
    /// Unique in the run; grid points carry a suffix such as `als[factors=64,reg=0.1]`.
    public var name: String
    public var type: String
    public var parameters: Parameters
    /// Training feedback; nil = the experiment's default.
    public var feedback: FeedbackKind?
    /// Line of the strategy's entry, for errors found later.
    public var line: Int
    /// The parameters tuning searches (`search:`); empty = the strategy runs with `parameters` only.
    public var search: [SearchAxis]

    public init(name: String, type: String, parameters: Parameters = Parameters(), feedback: FeedbackKind? = nil, line: Int = 0,
                search: [SearchAxis] = []) {
        self.name = name; self.type = type; self.parameters = parameters; self.feedback = feedback; self.line = line
        self.search = search
    }

    /// Parameter values as text, for result documents.
    public var parameterStrings: [String: String] { parameters.values.mapValues(\.description) }
}

/// A parsed and validated experiment config (`experiments/*.yaml`).
///
/// Every error names the file, the line and the key. Parsing checks everything that can be checked
/// without loading data: unknown keys, types, strategy types and parameters (by constructing each
/// strategy, which validates and does no work), metric names, split parameters, that files exist.
public struct ExperimentConfig {
    public var name: String
    public var seed: UInt64
    public var dataset: DatasetSource
    /// The inline or file synthetic config node, when `dataset` is synthetic.
    public var syntheticNode: ConfigNode?
    public var split: SplitSpec
    /// Nil: decided from the data (a threshold of 4.0 when every interaction is rated, else implicit).
    public var relevance: RelevanceRule?
    /// Nil: explicit when every interaction is rated, else implicit.
    public var feedback: FeedbackKind?
    public var strategies: [StrategySpec]
    /// Unique by name, in config order.
    public var metrics: [any Metric]
    public var repeats: Int
    /// The `tune:` block: when set, parameters are selected on validation data before the test run.
    public var tuning: TuningPlan?

    public var configPath: String?
    public var configText: String
    public var configHash: String

    public static let defaultThreshold = 4.0
    /// Most strategies one experiment may have, counting every point of every parameter grid.
    public static let maxStrategies = 1000

    /// Checks a strategy's type and parameters without training (by constructing it).
    public typealias StrategyValidator = @Sendable (_ type: String, _ parameters: Parameters) throws -> Void
    public static let registryValidator: StrategyValidator = { _ = try StrategyRegistry.make(type: $0, parameters: $1) }

    public init(name: String, seed: UInt64, dataset: DatasetSource, syntheticNode: ConfigNode? = nil, split: SplitSpec,
                relevance: RelevanceRule?, feedback: FeedbackKind?, strategies: [StrategySpec], metrics: [any Metric],
                repeats: Int = 1, tuning: TuningPlan? = nil, configPath: String? = nil, configText: String = "", configHash: String? = nil) {
        self.name = name; self.seed = seed; self.dataset = dataset; self.syntheticNode = syntheticNode; self.split = split
        self.relevance = relevance; self.feedback = feedback; self.strategies = strategies; self.metrics = metrics
        self.repeats = repeats; self.tuning = tuning; self.configPath = configPath; self.configText = configText
        self.configHash = configHash ?? SHA256.hexDigest(configText)
    }

    /// Parses and validates config text (`path` is used in error messages and provenance).
    public static func parse(text: String, path: String?, validate: StrategyValidator = registryValidator) throws -> ExperimentConfig {
        let root = try ConfigNode.parse(text, file: path)
        let map = try root.map()
        // name (the default output folder reports/runs/<name>), seed and dataset: the header every config kind shares.
        let header = try ConfigHeader.read(map, what: "the experiment name", simulatesWorld: false)
        let (name, seed, dataset, synthNode) = (header.name, header.seed, header.dataset.source, header.dataset.syntheticNode)
        let split = try SplitSpec.parse(try map.required("split"))
        let relevance = try map.optional("relevance").map(parseRelevance)
        let feedback = try map.optional("feedback").map(parseFeedback)
        let tuning = try map.optional("tune").map(TuningPlan.parse)
        let needsFoldIn: Bool = { if case .strongGeneralization = split.method { return true }; return false }()
        let strategies = try parseStrategies(try map.required("strategies"), validate: validate, tuning: tuning != nil,
                                             needsFoldIn: needsFoldIn)
        let metrics = try parseMetrics(try map.required("metrics"))
        var repeats = 1
        if let r = map.optional("repeats") {
            repeats = try r.int()
            guard (1...100).contains(repeats) else { throw r.error("repeats must be in 1...100, got \(repeats)") }
        }
        if repeats > 1 && !split.isRandom {
            throw map.optional("repeats")!.error("repeats need a randomised split (holdout or kfold); '\(split.method)' gives the same folds every time")
        }
        try map.finish()
        return ExperimentConfig(name: name, seed: seed, dataset: dataset, syntheticNode: synthNode, split: split,
                                relevance: relevance, feedback: feedback, strategies: strategies, metrics: metrics,
                                repeats: repeats, tuning: tuning, configPath: path, configText: text,
                                configHash: SHA256.hexDigest(text))
    }

    static func parseRelevance(_ node: ConfigNode) throws -> RelevanceRule {
        if case .mapping = node.value {
            let m = try node.map()
            let t = try m.required("threshold").double()
            try m.finish()
            return .threshold(t)
        }
        if case .scalar(let s, false) = node.value, let t = Double(s) { return .threshold(t) }
        if (try? node.string()) == "implicit" { return .implicit }
        throw node.error("expected a rating threshold (for example 4.0) or 'implicit', got \(node.kindName)")
    }

    static func parseFeedback(_ node: ConfigNode) throws -> FeedbackKind {
        let s = try node.string()
        guard let f = FeedbackKind(rawValue: s) else { throw node.error("expected 'explicit' or 'implicit', got '\(s)'") }
        return f
    }

    static func parseMetrics(_ node: ConfigNode) throws -> [any Metric] {
        let entries: [ConfigNode]
        if case .sequence(let items) = node.value { entries = items } else { entries = [node] }
        var out: [any Metric] = []
        for e in entries {
            // `ndcg@[5, 10]` written unquoted in a flow list is read by YAML as a nested structure; accept
            // both the string form and `{ndcg: [5, 10]}`.
            if case .mapping(let pairs) = e.value {
                for (key, _, value) in pairs {
                    let ks = try (try? value.list())?.map { try $0.int() } ?? [value.int()]
                    for k in ks {
                        do { out += try MetricRegistry.parse("\(key)@\(k)") } catch let err as RecLabError { throw e.error(err.message) }
                    }
                }
                continue
            }
            do { out += try MetricRegistry.parse(try e.string()) } catch let err as RecLabError where err.file == nil {
                throw e.error(err.message)
            }
        }
        guard !out.isEmpty else { throw node.error("list at least one metric") }
        var seen = Set<String>()
        return out.filter { seen.insert($0.name).inserted }
    }

    /// Strategies with grid expansion: a parameter given as a list means one strategy per value (the
    /// cartesian product over all list-valued parameters, first parameter varying slowest).
    static func parseStrategies(_ node: ConfigNode, validate: StrategyValidator, tuning: Bool = false,
                                needsFoldIn: Bool = false) throws -> [StrategySpec] {
        let list = try node.list()
        guard !list.isEmpty else { throw node.error("list at least one strategy") }
        var out: [StrategySpec] = []
        var names = Set<String>()
        for entry in list {
            let m = try entry.map()
            let typeNode = try m.required("type")
            let type = try typeNode.string()
            guard StrategyRegistry.type(named: type) != nil else {
                throw typeNode.error("unknown strategy type '\(type)'; known types: \(StrategyRegistry.typeNames.joined(separator: ", "))")
            }
            // Strong generalisation gives held-out users to the fitted model: only strategies that fold in take it.
            if needsFoldIn, !(StrategyRegistry.type(named: type) is any FoldInRecommender.Type) {
                let able = StrategyRegistry.types.filter { $0 is any FoldInRecommender.Type }.map { $0.typeName }
                throw typeNode.error("\(type) cannot fold in held-out users, which the strong-generalization split needs; strategies that can: \(able.joined(separator: ", "))")
            }
            let nameNode = m.optional("name")
            let baseName = try nameNode?.string() ?? type
            // Strategy names enter chart scripts, tables and CSV files.
            if let nameNode {
                try SafeName.validate(baseName, what: "the strategy name", file: nameNode.file, line: nameNode.line, key: nameNode.path)
            }
            let feedback = try m.optional("feedback").map(parseFeedback)
            var fixed: [String: ParamValue] = [:]
            var lines: [String: Int] = [:]
            var grid: [(key: String, values: [ParamValue])] = []
            if let p = m.optional("params") {
                for (key, line, value) in try p.map().entriesAll() {
                    lines[key] = line
                    if case .sequence(let items) = value.value {
                        guard !items.isEmpty else { throw value.error("a grid needs at least one value") }
                        grid.append((key, try items.map { try $0.paramValue() }))
                    } else {
                        fixed[key] = try value.paramValue()
                    }
                }
            }
            var search: [SearchAxis] = []
            if let searchNode = m.optional("search") {
                guard tuning else { throw searchNode.error("'search' needs a 'tune:' block (metric, method, budget) at the top of the config") }
                guard grid.isEmpty else {
                    throw searchNode.error("a tuned strategy takes its candidate values from 'search'; give params single values")
                }
                search = try TuningPlan.parseSearch(searchNode, type: type, fixed: fixed, file: entry.file, validate: validate)
            }
            try m.finish()
            // Checked before expanding: a few list-valued parameters multiply to any number of points.
            let pointCount = grid.reduce(1.0) { $0 * Double($1.values.count) }
            guard Double(out.count) + pointCount <= Double(maxStrategies) else {
                throw (m.optional("params") ?? entry).error("the strategies and their grids expand to more than \(maxStrategies) strategies")
            }
            var points: [[(String, ParamValue)]] = [[]]
            for (key, values) in grid {
                points = points.flatMap { prefix in values.map { prefix + [(key, $0)] } }
            }
            for point in points {
                var values = fixed
                for (k, v) in point { values[k] = v }
                let params = Parameters(values, lines: lines, file: entry.file)
                let name = point.isEmpty ? baseName : baseName + "[" + point.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "]"
                guard names.insert(name).inserted else {
                    throw (nameNode ?? entry).error("duplicate strategy name '\(name)'; give each strategy a unique 'name'")
                }
                // Validates the parameters now, before any work (construction does no training).
                do {
                    try validate(type, params)
                } catch var e as RecLabError {
                    // Parameter errors name the parameter; give its full path in the config.
                    if let key = e.key, lines[key] != nil { e.key = "\(entry.path).params.\(key)" }
                    throw e.located(file: entry.file, line: e.key == nil ? typeNode.line : nil)
                }
                out.append(StrategySpec(name: name, type: type, parameters: params, feedback: feedback, line: entry.line, search: search))
            }
        }
        return out
    }
}
