import Foundation
import RecLabCore
import RecLabResults

/// A world ready to simulate: the dataset, its content (for retraining on history plus logs) and the behaviour.
public struct LoadedWorld {
    public var dataset: Dataset
    public var content: DatasetContent
    public var behaviour: any UserBehaviour
    /// `synthetic` or `semi-synthetic`.
    public var kind: String

    public init(dataset: Dataset, content: DatasetContent, behaviour: any UserBehaviour, kind: String) {
        self.dataset = dataset; self.content = content; self.behaviour = behaviour; self.kind = kind
    }
}

/// What `reclab simulate` writes.
public struct ABRunOutput {
    public var document: ABResults
    public var json: Data
    public var csv: String
    public var userValues: [UserMetricValues]
    public var totalVisits: Int
    /// Every impression with its logging propensity (kept only when asked for: it is large).
    public var log: ImpressionLog?
}

/// Runs an A/B config end to end: world, simulation, statistics, documents.
public enum ABRunner {
    /// Threads, progress and provenance come from `context`.
    public static func run(config: ABConfig, configText: String, configPath: String?, world: LoadedWorld,
                           context: RunContext = RunContext(), keepLog: Bool = false) throws -> ABRunOutput {
        try context.bound {
            try runBound(config: config, configText: configText, configPath: configPath, world: world, context: context, keepLog: keepLog)
        }
    }

    static func runBound(config: ABConfig, configText: String, configPath: String?, world: LoadedWorld,
                         context: RunContext, keepLog: Bool) throws -> ABRunOutput {
        let settings = simulationSettings(config, world: world, context: context, keepLog: keepLog)
        let result = try simulateExperiment(settings, world: world, context: context, configPath: configPath)
        return try analyse(config: config, configText: configText, configPath: configPath, world: world, settings: settings,
                           result: result, context: context) {
            try settings.arms.indices.map { try simulateTruthWorld($0, settings: settings, world: world, context: context, configPath: configPath) }
        }
    }

    /// The settings every world of `config` is simulated with (the seed re-rooted by the context's seed tree).
    static func simulationSettings(_ config: ABConfig, world: LoadedWorld, context: RunContext, keepLog: Bool) -> SimulationSettings {
        var settings = config.simulation
        settings.keepLog = keepLog
        // Long-term traces: worlds with user dynamics, and configs asking for them or for the truth.
        settings.longTerm = config.longTerm || config.truth || world.behaviour.dynamics.isOn
        settings.featuredLog = config.truth
        settings.seed = context.seedTree(planSeed: settings.seed).seed
        return settings
    }

    /// The A/B world (unit `ab/experiment` of a plan).
    static func simulateExperiment(_ settings: SimulationSettings, world: LoadedWorld, context: RunContext, configPath: String?) throws -> SimulationResult {
        try checkArmSizes(assigned: assignedUsers(world.dataset, settings), settings: settings, configPath: configPath,
                          what: "is assigned", of: "of the world's \(world.dataset.userCount) users")
        let sim = try ABSimulator(dataset: world.dataset, content: world.content, world: world.behaviour, settings: settings,
                                  clock: context.clock)
        let reporter = context.showsProgress ? context.progress("simulate", total: settings.preDays + settings.days) : nil
        do { return try sim.run(progress: reporter) } catch let e as RecLabError { throw e.located(file: configPath) }
    }

    /// Arm `arm`'s truth world (unit `ab/truth/<arm>` of a plan).
    static func simulateTruthWorld(_ arm: Int, settings: SimulationSettings, world: LoadedWorld, context: RunContext,
                                   configPath: String?) throws -> SimulationResult {
        let reporter = context.showsProgress ? context.progress("truth world '\(settings.arms[arm].name)'", total: settings.preDays + settings.days) : nil
        do { return try TruthWorlds.simulate(arm: arm, settings: settings, world: world, clock: context.clock, progress: reporter) }
        catch let e as RecLabError { throw e.located(file: configPath) }
    }

    /// Everything after the simulation, for `simulate` and `gather` alike: statistics, long-term metrics, the
    /// truth (the worlds of `truthWorlds`, asked for only with `truth: true` and after the A/B world proved
    /// analysable, in arm order) and the documents.
    public static func analyse(config: ABConfig, configText: String, configPath: String?, world: LoadedWorld,
                               settings: SimulationSettings, result: SimulationResult, context: RunContext,
                               truthWorlds: () throws -> [SimulationResult]) throws -> ABRunOutput {
        // Assigned users who never visit are not analysed: check again on those who did.
        try checkArmSizes(assigned: ABAnalysis.analysedUsers(result).map(\.count), settings: settings, configPath: configPath,
                          what: "has", of: "users who visited in \(settings.days) days")
        let analysis = ABAnalysis.analyse(result, settings: config.simulation, analysis: config.analysis)
        let configHash = SHA256.hexDigest(configText)
        let card = DatasetCard(summarizing: world.dataset, synthetic: true)  // synthetic or semi-synthetic: either way simulated
        let provenance = Provenance(configPath: configPath, configHash: configHash, configText: configText,
                                    seed: settings.seed, reclabVersion: context.reclabVersion,
                                    gitCommit: context.gitCommit, createdAt: nil, dataset: card)
        let runId = ResultJSON.runId(kind: "ab", configHash: configHash, datasetHash: world.dataset.contentHash,
                                       seed: settings.seed)
        var doc = ABResults(runId: runId, name: config.name, provenance: provenance, days: config.simulation.days,
                            alpha: config.analysis.alpha, control: config.simulation.arms[config.simulation.control].name,
                            world: world.kind, arms: analysis.arms, comparisons: analysis.comparisons, srm: analysis.srm,
                            power: analysis.power, cuped: analysis.cuped, daily: analysis.daily)
        let warnings = ABAnalysis.undefinedWarnings(doc)
        doc.warnings = warnings.isEmpty ? nil : warnings
        doc.longTerm = LongTermAnalysis.analyse(result, settings: settings, alpha: config.analysis.alpha,
                                                assumptions: world.behaviour.dynamics.assumptions)
        if config.truth {
            let worlds = try truthWorlds()
            let out = TruthWorlds.analyse(ab: result, comparisons: analysis.comparisons, longTerm: doc.longTerm, worlds: worlds,
                                          settings: settings, alpha: config.analysis.alpha, seed: settings.seed)
            doc.truth = out.truth
            doc.longTerm = out.longTerm
        }
        doc.sequential = SequentialAnalysis.analyse(result, settings: config.simulation, analysis: config.analysis)
        let json = try ResultJSON.encoder().encode(doc)
        let values = analysis.userValues.map {
            UserMetricValues(subject: $0.arm, metric: $0.metric, fold: nil, users: $0.users, values: $0.values)
        }
        return ABRunOutput(document: doc, json: json, csv: csv(doc), userValues: values, totalVisits: result.totalVisits,
                           log: settings.keepLog ? result.log : nil)
    }

    /// Fewest users an arm needs to be compared: a variance (and so any interval or p-value) needs two.
    public static let minimumArmUsers = 2

    /// Users per arm under the config's hash assignment (holdout users excluded), before any simulation.
    static func assignedUsers(_ dataset: Dataset, _ s: SimulationSettings) -> [Int] {
        let rule = HashAssignment(salt: s.salt, weights: s.arms.map(\.weight), holdout: s.holdout)
        var counts = [Int](repeating: 0, count: s.arms.count)
        for key in dataset.userKeys { if let a = rule.arm(for: key) { counts[a] += 1 } }
        return counts
    }

    /// Arms too small to compare make the whole test an error: their intervals, p-values and SRM check
    /// would all be undefined (a table of nan), which is not a result.
    static func checkArmSizes(assigned: [Int], settings: SimulationSettings, configPath: String?, what: String, of: String) throws {
        let small = settings.arms.indices.filter { assigned[$0] < minimumArmUsers }
        guard !small.isEmpty else { return }
        let list = small.map { "'\(settings.arms[$0].name)' \(what) \(assigned[$0])" }.joined(separator: ", ")
        throw RecLabError(.data, "arms too small to compare: \(list) \(of); every arm needs at least \(minimumArmUsers) " +
                          "to estimate a variance. Use a world with more users (or more days), or change the weights",
                          file: configPath, key: "arms")
    }

    /// One row per arm x metric (kind `arm`), then one per comparison (kind `comparison`, CUPED ones `cuped`).
    public static func csv(_ d: ABResults) -> String {
        var lines = ["kind,arm,metric,mean,ci_low,ci_high,n,lift,rel_lift,p_value,p_adjusted,significant,method"]
        func f(_ x: Double) -> String { x.isFinite ? String(format: "%.10g", x) : (x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf")) }
        for arm in d.arms {
            for name in arm.metrics.keys.sorted() {
                let m = arm.metrics[name]!
                lines.append("arm,\(arm.name),\(name),\(f(m.mean)),\(f(m.ciLow)),\(f(m.ciHigh)),\(m.n),,,,,,")
            }
        }
        func add(_ kind: String, _ c: ABComparison) {
            lines.append("\(kind),\(c.arm),\(c.metric),,\(f(c.ciLow)),\(f(c.ciHigh)),,\(f(c.lift)),\(f(c.relLift)),\(f(c.pValue)),\(f(c.pAdjusted)),\(c.significant),\(c.method)")
        }
        for c in d.comparisons { add("comparison", c) }
        for cu in d.cuped ?? [] { for c in cu.comparisons { add("cuped", c) } }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The impression log: day (0-based from the first simulated day, pre-period first), user and item (dense
    /// indices), arm (empty for the pre-period and holdout), row, slot, propensity, played, watch minutes.
    public static func impressionsCSV(_ log: ImpressionLog, arms: [String]) -> String {
        var out = "day,user,arm,item_index,row,slot,propensity,played,watch_minutes\n"
        out.reserveCapacity(log.count * 40)
        for k in 0..<log.count {
            let arm = log.arm[k] >= 0 ? arms[Int(log.arm[k])] : ""
            out += "\(log.day[k]),\(log.user[k]),\(arm),\(log.item[k]),\(log.row[k]),\(log.slot[k]),"
            out += String(format: "%.6g", Double(log.propensity[k])) + ",\(log.played[k] ? 1 : 0)," + String(format: "%.2f", Double(log.watchMinutes[k])) + "\n"
        }
        return out
    }

    /// Summary metric rows for the results store.
    public static func metricRows(_ d: ABResults) -> [RunMetricRow] {
        d.arms.flatMap { arm in
            arm.metrics.keys.sorted().map { RunMetricRow(subject: arm.name, metric: $0, fold: nil, summary: arm.metrics[$0]!) }
        }
    }

    /// The run as the recorder stores and writes it: `ab.json`, `ab.csv` and, when kept, `impressions.csv`.
    public static func recorded(_ output: ABRunOutput) -> RecordedRun {
        let d = output.document
        var files: [(name: String, data: Data)] = [("ab.json", output.json), ("ab.csv", Data(output.csv.utf8))]
        if let log = output.log { files.append(("impressions.csv", Data(impressionsCSV(log, arms: d.arms.map(\.name)).utf8))) }
        return RecordedRun(id: d.runId, kind: "ab", name: d.name, provenance: d.provenance, document: output.json,
                           metrics: metricRows(d), userValues: output.userValues, files: files)
    }
}
