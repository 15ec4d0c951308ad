import Foundation
import RecLabCore
import RecLabResults

/// `reclab validate` cut into units (`reclab plan --validate CHECK`): one unit per seed. A seed's simulation
/// seed and salt (aa, planted), salt (srm) or log seed (ope) come from the config and the seed number only, as in
/// `validate` itself; merging the seeds' findings in seed order gives the report `validate` prints.
extension Validation {
    public static let planCommand = "validate"
    public static let checks = ["aa", "planted", "srm", "ope"]
    public static let seedsRange = 1...100_000

    /// The settings of a planned validation, kept in the plan as text.
    public struct PlanOptions: Sendable, Equatable {
        public var check: String
        public var seeds: Int
        public var retrain: Bool
        public var skew: Double

        public init(check: String, seeds: Int, retrain: Bool, skew: Double) {
            self.check = check; self.seeds = seeds; self.retrain = retrain; self.skew = skew
        }

        public var text: [String: String] {
            ["check": check, "seeds": String(seeds), "retrain": String(retrain), "skew": String(skew)]
        }

        /// Reads and checks the options of a plan (untrusted); `source` names the manifest.
        public init(text: [String: String]?, source: String) throws {
            func bad(_ what: String) -> RecLabError { RecLabError.input("options: \(what)", file: source) }
            guard let text, let check = text["check"], checks.contains(check) else { throw bad("'check' must be one of \(checks.joined(separator: ", "))") }
            guard let s = text["seeds"], s.count <= 6, let seeds = Int(s), seedsRange.contains(seeds) else {
                throw bad("'seeds' must be a number from \(seedsRange.lowerBound) to \(seedsRange.upperBound)")
            }
            guard let r = text["retrain"], let retrain = Bool(r) else { throw bad("'retrain' must be true or false") }
            guard let k = text["skew"], let skew = Double(k), skew > 0, skew < 1 else { throw bad("'skew' must be a number in (0, 1)") }
            self.init(check: check, seeds: seeds, retrain: retrain, skew: skew)
        }
    }

    /// A validation's config: A/B for aa, planted and srm; OPE for ope.
    public enum Config {
        case ab(ABConfig)
        case ope(OPEConfig)

        var name: String { switch self { case .ab(let c): return c.name; case .ope(let c): return c.name } }
        var seed: UInt64 { switch self { case .ab(let c): return c.simulation.seed; case .ope(let c): return c.seed } }
    }

    /// What a merged validation reports.
    public enum Report {
        case rates(RateTable)
        case srm(SRMReport)
        case ope(OPEReport)
    }

    public static func units(_ options: PlanOptions) -> [WorkUnit] {
        (0..<options.seeds).map {
            WorkUnit(index: $0, id: "validate/\(options.check)/seed-\($0 + 1)", kind: .validateSeed, coordinates: ["seed": $0])
        }
    }

    public static func plan(_ options: PlanOptions, config: Config, configPath: String, configText: String, world: LoadedWorld) throws -> WorkPlan {
        try checkKind(options.check, config)
        return WorkPlan(command: planCommand, name: config.name, configPath: configPath, configHash: SHA256.hexDigest(configText),
                        datasetHash: world.dataset.contentHash, seed: config.seed, options: options.text, units: units(options))
    }

    static func checkKind(_ check: String, _ config: Config) throws {
        switch (check, config) {
        case ("ope", .ope), ("aa", .ab), ("planted", .ab), ("srm", .ab): return
        default: throw RecLabError.usage("the \(check) check takes \(check == "ope" ? "an OPE" : "an A/B") config")
        }
    }

    /// Checks `plan` against its config and world and returns its options.
    public static func checkPlan(_ plan: WorkPlan, config: Config, configText: String, world: LoadedWorld, source: String) throws -> PlanOptions {
        let options = try PlanOptions(text: plan.options, source: source)
        try checkKind(options.check, config)
        guard plan.configHash == SHA256.hexDigest(configText) else {
            throw RecLabError.input("the config \(plan.configPath) changed since it was planned (its SHA-256 differs); plan again", file: source)
        }
        guard plan.datasetHash == world.dataset.contentHash else {
            throw RecLabError.input("the world's data changed since planning; plan again", file: source)
        }
        guard plan.seed == config.seed, plan.units == units(options) else {
            throw RecLabError.input("the units are not those planning gives for this config; plan again", file: source)
        }
        return options
    }

    /// Runs the seeds at `indices` of a checked plan (what every seed shares, such as the SRM check's base
    /// simulation or the OPE truths, is computed once) and hands each partial result to `each`.
    public static func runUnits(_ indices: [Int], plan: WorkPlan, options: PlanOptions, config: Config, world: LoadedWorld,
                                each: (ValidationSeedResult) throws -> Void) throws {
        func result(_ k: Int) -> ValidationSeedResult {
            ValidationSeedResult(unit: plan.units[k], configHash: plan.configHash, datasetHash: plan.datasetHash, check: options.check)
        }
        for k in indices where !plan.units.indices.contains(k) {
            throw RecLabError.usage("unit \(k) is not in the plan (it has units 0 to \(plan.units.count - 1))")
        }
        switch config {
        case .ope(let c):
            let session = try OPESession(config: c, world: world)
            for k in indices {
                var r = result(k)
                r.truths = session.truth.map(\.mean)
                r.estimates = opeSeed(config: c, session: session, k: k).estimates.map { $0.map { $0.map { .init(value: $0.value, covered: $0.covered) } } }
                try each(r)
            }
        case .ab(let c) where options.check == "srm":
            let base = try srmBase(config: c, world: world)
            for k in indices {
                let seed = srmSeed(config: c, world: world, base: base, k: k, skew: options.skew)
                var r = result(k)
                r.analysedUsers = seed.analysedUsers; r.flaggedCorrect = seed.flaggedCorrect; r.flaggedSkewed = seed.flaggedSkewed
                try each(r)
            }
        case .ab(let c):
            let settings = options.check == "aa" ? aaSettings(c, retrain: options.retrain) : try plantedSettings(c, retrain: options.retrain)
            for k in indices {
                let seed = try rateSeed(config: c, settings: settings, world: world, k: k)
                var r = result(k)
                r.significant = seed.significant; r.positive = seed.positive; r.anyHolmSignificant = seed.anyHolmSignificant
                try each(r)
            }
        }
    }

    /// Merges every seed's partial result of a checked plan, in seed order. Each is untrusted: its unit, hashes,
    /// check and fields are checked.
    public static func gather(plan: WorkPlan, options: PlanOptions, config: Config, load: (Int) throws -> ValidationSeedResult) throws -> Report {
        func checked(_ k: Int) throws -> ValidationSeedResult {
            let r = try load(k)
            guard r.unit == plan.units[k], r.configHash == plan.configHash, r.datasetHash == plan.datasetHash, r.check == options.check else {
                throw RecLabError.input("it belongs to another unit, config or check; run the unit again", file: "partial result of unit \(k) (\(plan.units[k].id))")
            }
            return r
        }
        func missing(_ k: Int, _ field: String) -> RecLabError {
            RecLabError.input("it has no '\(field)'; run the unit again", file: "partial result of unit \(k) (\(plan.units[k].id))")
        }
        switch config {
        case .ope(let c):
            var merger: OPEMerger?
            var truths: [Double] = []
            for k in 0..<options.seeds {
                let r = try checked(k)
                guard let t = r.truths, t.count == c.targets.count, let e = r.estimates, e.count == c.targets.count,
                      e.allSatisfy({ $0.count == opeEstimators.count }) else { throw missing(k, "truths/estimates of every target") }
                if merger == nil { truths = t; merger = OPEMerger(config: c, truths: t, seeds: options.seeds) }
                guard t == truths else { throw RecLabError.input("its true values differ from the other units'", file: "partial result of unit \(k)") }
                merger!.add(OPESeed(estimates: e.map { $0.map { $0.map { (value: $0.value, covered: $0.covered) } } }))
            }
            return .ope(merger!.report)
        case .ab where options.check == "srm":
            var report = SRMReport(seeds: options.seeds, skew: options.skew, flaggedCorrect: 0, flaggedSkewed: 0, meanUsers: 0)
            for k in 0..<options.seeds {
                let r = try checked(k)
                guard let users = r.analysedUsers, users >= 0, let a = r.flaggedCorrect, let b = r.flaggedSkewed else { throw missing(k, "analysed_users") }
                add(SRMSeed(analysedUsers: users, flaggedCorrect: a, flaggedSkewed: b), to: &report)
            }
            return .srm(report)
        case .ab:
            var table = RateTable(seeds: options.seeds)
            for k in 0..<options.seeds {
                let r = try checked(k)
                guard let s = r.significant, let p = r.positive, let h = r.anyHolmSignificant else { throw missing(k, "significant") }
                add(RateSeed(significant: s, positive: p, anyHolmSignificant: h), to: &table)
            }
            return .rates(table)
        }
    }
}
