import Foundation
import RecLabConfig
import RecLabCore
import RecLabEval
import RecLabResults
import RecLabSim
import RecLabStore

/// The files of a sharded run (`reclab plan`, `run-unit`, `gather`): PLAN/plan.json (the manifest) and
/// PLAN/units/unit-NNNNNNN.json (each unit's partial result, with its timings beside it). Every file is
/// written through a temporary file and a rename, at a name chosen from the unit index only, checked to stay
/// inside the plan folder: nothing read from the manifest names a file to write.
public struct PlanFolder {
    public let folder: OutputFolder

    public init(path: String) { folder = OutputFolder(path: path) }

    public var manifestPath: String { folder.url.appendingPathComponent("plan.json").path }

    /// Largest manifest read (a million units fit in well under this).
    public static let maxManifestBytes = 512 << 20
    /// Largest partial result read.
    public static let maxPartialBytes = 1 << 30

    /// Writes the plan of the experiment config at `configPath` (its dataset is resolved to hash it and to
    /// count the folds). Planning the same config into the same folder again is a no-op; a folder that holds
    /// another plan is refused, so its partial results cannot be mixed up.
    public func writePlan(configPath: String, context: RunContext) throws -> WorkPlan {
        try OutputLocation.checkFolder(folder.path, what: "plan folder")
        if let kind = try SimulationKind.ofPlanned(path: configPath) { return try writeSimulationPlan(kind, configPath: configPath, context: context) }
        let config = try ExperimentConfig.load(path: configPath)
        let dataset = try DatasetSources.dataset(for: config, context: context)
        return try store(try ExperimentRunner.plan(config, dataset: dataset, context: context))
    }

    /// Writes the plan of a `reclab validate` check of the A/B or OPE config at `configPath`: one unit a seed.
    public func writeValidationPlan(_ options: Validation.PlanOptions, configPath: String, context: RunContext) throws -> WorkPlan {
        try OutputLocation.checkFolder(folder.path, what: "plan folder")
        let text = try ConfigNode.readText(path: configPath)
        let (config, world) = try Self.validationInputs(check: options.check, text: text, path: configPath, context: context)
        return try store(try Validation.plan(options, config: config, configPath: configPath, configText: text, world: world))
    }

    static func validationInputs(check: String, text: String, path: String, context: RunContext) throws -> (Validation.Config, LoadedWorld) {
        if check == "ope" {
            let c = try OPEConfig.parse(text, file: path, strategies: SimulationStrategies.catalogue)
            return (.ope(c), try DatasetSources.world(c.dataset, context: context))
        }
        let c = try ABConfig.parse(text, file: path, strategies: SimulationStrategies.catalogue)
        return (.ab(c), try DatasetSources.world(c.dataset, context: context))
    }

    /// Writes the plan of the A/B config at `configPath`: its A/B world and, with `truth: true`, each arm's truth world.
    func writeSimulationPlan(_ kind: SimulationKind, configPath: String, context: RunContext) throws -> WorkPlan {
        guard kind == .ab else {
            throw RecLabError.usage("\(configPath) is a `kind: interleaving` config: plan shards offline and A/B configs; run it with reclab simulate")
        }
        let (config, text) = try ABConfig.load(path: configPath)
        let world = try DatasetSources.world(config.dataset, context: context)
        return try store(try ABRunner.plan(config, configText: text, configPath: configPath, world: world))
    }

    /// Writes `plan` unless the folder holds it already; a folder with another plan is refused.
    func store(_ plan: WorkPlan) throws -> WorkPlan {
        if FileManager.default.fileExists(atPath: manifestPath) {
            guard try readManifest() == plan else {
                throw RecLabError.io("the folder already holds the plan of another config, dataset or check; choose a new plan folder", file: manifestPath)
            }
            return plan
        }
        try write(try plan.encoded(), to: "plan.json")
        return plan
    }

    /// The manifest, checked (format, version, units).
    public func readManifest() throws -> WorkPlan {
        try WorkPlan.decode(try Self.read(manifestPath, limit: Self.maxManifestBytes, what: "plan manifest (reclab plan --out writes it)"),
                            source: manifestPath)
    }

    /// The manifest, its config (re-read from the path planned, refused when its text changed) and dataset
    /// (refused when its content changed), checked against each other.
    func loadOffline(_ plan: WorkPlan, context: RunContext) throws -> (plan: WorkPlan, config: ExperimentConfig, dataset: Dataset) {
        let text = try ConfigNode.readText(path: plan.configPath)
        guard SHA256.hexDigest(text) == plan.configHash else {
            throw RecLabError.input("the config \(plan.configPath) changed since it was planned (its SHA-256 differs); plan again", file: manifestPath)
        }
        let config = try ExperimentConfig.parse(text: text, path: plan.configPath)
        let dataset = try DatasetSources.dataset(for: config, context: context)
        if plan.command == Tuner.planCommand {
            _ = try Tuner.checkPlan(plan, config: config, dataset: dataset, source: manifestPath, context: context)
        } else {
            _ = try ExperimentRunner.checkPlan(plan, config: config, dataset: dataset, source: manifestPath)
        }
        return (plan, config, dataset)
    }

    func loadValidation(_ plan: WorkPlan, context: RunContext) throws -> (Validation.PlanOptions, Validation.Config, LoadedWorld) {
        let options = try Validation.PlanOptions(text: plan.options, source: manifestPath)
        let text = try ConfigNode.readText(path: plan.configPath)
        guard SHA256.hexDigest(text) == plan.configHash else {
            throw RecLabError.input("the config \(plan.configPath) changed since it was planned (its SHA-256 differs); plan again", file: manifestPath)
        }
        let (config, world) = try Self.validationInputs(check: options.check, text: text, path: plan.configPath, context: context)
        _ = try Validation.checkPlan(plan, config: config, configText: text, world: world, source: manifestPath)
        return (options, config, world)
    }

    /// An A/B plan's config (refused when its text changed since planning) and world, checked against the plan.
    func loadSimulation(_ plan: WorkPlan, context: RunContext) throws -> (config: ABConfig, text: String, world: LoadedWorld) {
        let text = try ConfigNode.readText(path: plan.configPath)
        guard SHA256.hexDigest(text) == plan.configHash else {
            throw RecLabError.input("the config \(plan.configPath) changed since it was planned (its SHA-256 differs); plan again", file: manifestPath)
        }
        let config = try ABConfig.parse(text, file: plan.configPath, strategies: SimulationStrategies.catalogue)
        let world = try DatasetSources.world(config.dataset, context: context)
        try ABRunner.checkPlan(plan, config: config, configText: text, world: world, source: manifestPath)
        return (config, text, world)
    }

    /// The manifest, refused when this reclab has no engine for its command.
    func readKnownManifest() throws -> WorkPlan {
        let plan = try readManifest()
        guard [ExperimentRunner.planCommand, Tuner.planCommand, Validation.planCommand, ABRunner.planCommand].contains(plan.command) else {
            throw RecLabError.input("this plan shards '\(SafeName.visible(plan.command))'; this reclab runs plans of 'run', 'tune', 'validate' and 'simulate' unit by unit", file: manifestPath)
        }
        return plan
    }

    /// Runs the units at `indices` (each checked to be in the plan before any runs) and writes each partial
    /// result; `done` is called after each unit is written, with its outcome in words.
    public func runUnits(_ indices: [Int], context: RunContext, done: (WorkUnit, String) -> Void) throws {
        let manifest = try readKnownManifest()
        for i in indices where !manifest.units.indices.contains(i) {
            throw RecLabError.usage("unit \(i) is not in the plan (it has units 0 to \(manifest.units.count - 1))")
        }
        if manifest.command == Validation.planCommand {
            let (options, config, world) = try loadValidation(manifest, context: context)
            try context.bound {
                try Validation.runUnits(indices, plan: manifest, options: options, config: config, world: world) { result in
                    try write(try result.encoded(), to: WorkPlan.partialName(result.unit.index))
                    done(result.unit, "finished")
                }
            }
            return
        }
        if manifest.command == ABRunner.planCommand {
            let (config, text, world) = try loadSimulation(manifest, context: context)
            for i in indices {
                let (result, timing) = try ABRunner.runUnit(config, configText: text, world: world, plan: manifest, index: i,
                                                            source: manifestPath, context: context)
                try write(try ResultJSON.encoder().encode(timing), to: WorkPlan.timingName(i))
                try write(try result.encoded(), to: WorkPlan.partialName(i))
                done(manifest.units[i], "finished")
            }
            return
        }
        let (plan, config, dataset) = try loadOffline(manifest, context: context)
        if manifest.command == Tuner.planCommand {
            for i in indices {
                let (result, timing) = try Tuner.runUnit(config, dataset: dataset, plan: plan, index: i, source: manifestPath, context: context)
                // Timings first: a partial result present means its unit finished.
                try write(try ResultJSON.encoder().encode(timing), to: WorkPlan.timingName(i))
                try write(try result.encoded(), to: WorkPlan.partialName(i))
                done(plan.units[i], result.error.map { "failed (\($0))" } ?? "finished")
            }
            return
        }
        for i in indices {
            let (result, timing) = try ExperimentRunner.runUnit(config, dataset: dataset, plan: plan, index: i, source: manifestPath,
                                                                context: context)
            // Timings first: a partial result present means its unit finished.
            try write(try ResultJSON.encoder().encode(timing), to: WorkPlan.timingName(i))
            try write(try result.encoded(), to: WorkPlan.partialName(i))
            done(plan.units[i], result.outcome.rawValue + (result.error.map { " (\($0))" } ?? ""))
        }
    }

    /// The units of the plan whose partial result file is absent, in index order.
    public func unitsWithoutResult() throws -> [Int] {
        try readManifest().units.map(\.index).filter { i in
            !((try? folder.child(WorkPlan.partialName(i))).map { FileManager.default.fileExists(atPath: $0.path) } ?? false)
        }
    }

    /// A unit that has no usable partial result, and why.
    public struct UnitProblem: Sendable {
        public var unit: WorkUnit
        public var problem: String
    }

    /// What gathering a plan gives: an offline run's output (tuned or not), or a validation's report (with its
    /// config and world kind).
    public enum Gathered {
        case offline(ExperimentOutput)
        case validation(Validation.Report, options: Validation.PlanOptions, config: Validation.Config, worldKind: String)
        /// An A/B simulation's output, as `reclab simulate` gives it.
        case simulation(ABRunOutput)
    }

    /// Merges every unit's partial result into the run's output. Units without a usable partial result are
    /// returned (all of them, by id) instead of an output: nothing is merged or written then.
    public func gather(context: RunContext) throws -> Result<Gathered, GatherIncomplete> {
        let manifest = try readKnownManifest()
        if manifest.command == ABRunner.planCommand { return try gatherSimulation(manifest, context: context) }
        let isValidation = manifest.command == Validation.planCommand, isTuned = manifest.command == Tuner.planCommand
        let problems = unitProblems(manifest) { i -> (WorkUnit, String, String) in
            if isValidation { let p = try readValidationPartial(i); return (p.unit, p.configHash, p.datasetHash) }
            if isTuned { let p = try readTunePartial(i); return (p.unit, p.configHash, p.datasetHash) }
            let p = try readPartial(i)
            return (p.unit, p.configHash, p.datasetHash)
        }
        guard problems.isEmpty else { return .failure(GatherIncomplete(total: manifest.units.count, problems: problems)) }
        if isValidation {
            let (options, config, world) = try loadValidation(manifest, context: context)
            let report = try Validation.gather(plan: manifest, options: options, config: config) { try readValidationPartial($0) }
            return .success(.validation(report, options: options, config: config, worldKind: world.kind))
        }
        let (plan, config, dataset) = try loadOffline(manifest, context: context)
        if isTuned {
            // The refit of the selected parameters on the test folds runs here, on the gathering machine.
            let output = try Tuner.gather(config, dataset: dataset, plan: plan, source: manifestPath, context: context) { i in
                (try readTunePartial(i), readTiming(i))
            }
            return .success(.offline(output))
        }
        let output = try ExperimentRunner.gather(config, dataset: dataset, plan: plan, source: manifestPath, context: context) { i in
            (try readPartial(i), readTiming(i))
        }
        return .success(.offline(output))
    }

    /// `gather` of an A/B plan: every world's partial result checked first (all problems listed, nothing
    /// merged), then the analysis of `reclab simulate`.
    func gatherSimulation(_ manifest: WorkPlan, context: RunContext) throws -> Result<Gathered, GatherIncomplete> {
        // Kept once read: the analysis needs every world anyway, and each can be large.
        var partials: [Int: ABWorldUnitResult] = [:]
        let problems = unitProblems(manifest) { i -> (WorkUnit, String, String) in
            let p = try readABWorldPartial(i)
            partials[i] = p
            return (p.unit, p.configHash, p.datasetHash)
        }
        guard problems.isEmpty else { return .failure(GatherIncomplete(total: manifest.units.count, problems: problems)) }
        let (config, text, world) = try loadSimulation(manifest, context: context)
        return .success(.simulation(try ABRunner.gather(config, configText: text, world: world, plan: manifest, source: manifestPath,
                                                        context: context) { try partials[$0] ?? readABWorldPartial($0) }))
    }

    /// Every unit's partial result read by `read` and checked to be its unit's, of the planned config and data:
    /// all the problems, by unit. A file that is there but unusable is named, with what is wrong with it.
    func unitProblems(_ manifest: WorkPlan, read: (Int) throws -> (unit: WorkUnit, configHash: String, datasetHash: String)) -> [UnitProblem] {
        var problems: [UnitProblem] = []
        for unit in manifest.units {
            do {
                let p = try read(unit.index)
                if p.unit != unit { problems.append(UnitProblem(unit: unit, problem: "its file holds the result of unit \(p.unit.id)")) }
                else if p.configHash != manifest.configHash || p.datasetHash != manifest.datasetHash {
                    problems.append(UnitProblem(unit: unit, problem: "computed from another config or dataset"))
                }
            } catch let e as RecLabError {
                problems.append(UnitProblem(unit: unit, problem: e.kind == .io ? "no partial result" : e.description))
            } catch {
                problems.append(UnitProblem(unit: unit, problem: "\(error)"))
            }
        }
        return problems
    }

    public struct GatherIncomplete: Error, Sendable {
        public var total: Int
        public var problems: [UnitProblem]
    }

    func readPartial(_ index: Int) throws -> OfflineUnitResult {
        let path = try folder.child(WorkPlan.partialName(index)).path
        return try OfflineUnitResult.decode(try Self.read(path, limit: Self.maxPartialBytes, what: "partial result"), source: path)
    }

    /// Unit `index`'s timings, nil when absent or unreadable (times are not results: they count as 0).
    func readTiming(_ index: Int) -> UnitTiming? {
        try? ResultJSON.decoder().decode(UnitTiming.self, from: Self.read(try folder.child(WorkPlan.timingName(index)).path,
                                                                         limit: 1 << 16, what: "unit timing"))
    }

    func readTunePartial(_ index: Int) throws -> TuneTrialUnitResult {
        let path = try folder.child(WorkPlan.partialName(index)).path
        return try TuneTrialUnitResult.decode(try Self.read(path, limit: 1 << 20, what: "partial result"), source: path)
    }

    func readValidationPartial(_ index: Int) throws -> ValidationSeedResult {
        let path = try folder.child(WorkPlan.partialName(index)).path
        return try ValidationSeedResult.decode(try Self.read(path, limit: 1 << 24, what: "partial result"), source: path)
    }

    func readABWorldPartial(_ index: Int) throws -> ABWorldUnitResult {
        let path = try folder.child(WorkPlan.partialName(index)).path
        return try ABWorldUnitResult.decode(try Self.read(path, limit: Self.maxPartialBytes, what: "partial result"), source: path)
    }

    func write(_ data: Data, to relative: String) throws {
        let url = try folder.child(relative)
        let directory = url.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw RecLabError.io("cannot create: \(error.localizedDescription)", file: directory.path)
        }
        // The folder now exists, so the system can resolve it: a link (PLAN/units -> elsewhere) must not lead out.
        guard let root = Self.realPath(folder.path), let resolved = Self.realPath(directory.path),
              resolved == root || resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
            throw RecLabError.io("refusing to write '\(relative)': \(directory.path) resolves outside the output folder", file: folder.path)
        }
        do { try data.write(to: url, options: .atomic) } catch {
            throw RecLabError.io("cannot write: \(error.localizedDescription)", file: url.path)
        }
    }

    /// The canonical path of an existing file or folder (every link resolved), nil when it cannot be resolved.
    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// A regular file's bytes, refused above `limit` (an `.io` error when missing).
    static func read(_ path: String, limit: Int, what: String) throws -> Data {
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw RecLabError.io("no \(what) here", file: path)
        }
        guard (attributes[.type] as? FileAttributeType) == .typeRegular else { throw RecLabError.input("the \(what) is not a regular file", file: path) }
        if let size = (attributes[.size] as? NSNumber)?.intValue, size > limit {
            throw RecLabError.input("the \(what) is \(size) bytes, above the limit of \(limit)", file: path)
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw RecLabError.io("cannot read the \(what)", file: path) }
        return data
    }
}
