import Foundation
import RecLabConfig
import RecLabCore
import RecLabEval
import RecLabResults
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
        let config = try ExperimentConfig.load(path: configPath)
        let dataset = try DatasetSources.dataset(for: config, context: context)
        let plan = try ExperimentRunner.plan(config, dataset: dataset, context: context)
        let data = try plan.encoded()
        if FileManager.default.fileExists(atPath: manifestPath) {
            let existing = try readManifest()
            guard existing == plan else {
                throw RecLabError.io("the folder already holds the plan of another config or dataset; choose a new plan folder", file: manifestPath)
            }
            return plan
        }
        try write(data, to: "plan.json")
        return plan
    }

    /// The manifest, checked (format, version, units).
    public func readManifest() throws -> WorkPlan {
        try WorkPlan.decode(try Self.read(manifestPath, limit: Self.maxManifestBytes, what: "plan manifest (reclab plan --out writes it)"),
                            source: manifestPath)
    }

    /// The manifest, its config (re-read from the path planned, refused when its text changed) and dataset
    /// (refused when its content changed), checked against each other.
    public func load(context: RunContext) throws -> (plan: WorkPlan, config: ExperimentConfig, dataset: Dataset) {
        let plan = try readManifest()
        guard plan.command == ExperimentRunner.planCommand else {
            throw RecLabError.input("this plan shards '\(SafeName.visible(plan.command))'; this reclab runs only offline-run plans ('run') unit by unit", file: manifestPath)
        }
        let text = try ConfigNode.readText(path: plan.configPath)
        guard SHA256.hexDigest(text) == plan.configHash else {
            throw RecLabError.input("the config \(plan.configPath) changed since it was planned (its SHA-256 differs); plan again", file: manifestPath)
        }
        let config = try ExperimentConfig.parse(text: text, path: plan.configPath)
        let dataset = try DatasetSources.dataset(for: config, context: context)
        _ = try ExperimentRunner.checkPlan(plan, config: config, dataset: dataset, source: manifestPath)
        return (plan, config, dataset)
    }

    /// Runs the units at `indices` (each checked to be in the plan before any runs) and writes each partial
    /// result; `done` is called after each unit is written.
    public func runUnits(_ indices: [Int], context: RunContext,
                         done: (WorkUnit, OfflineUnitResult.Outcome, String?) -> Void) throws {
        let (plan, config, dataset) = try load(context: context)
        for i in indices where !plan.units.indices.contains(i) {
            throw RecLabError.usage("unit \(i) is not in the plan (it has units 0 to \(plan.units.count - 1))")
        }
        for i in indices {
            let (result, timing) = try ExperimentRunner.runUnit(config, dataset: dataset, plan: plan, index: i, source: manifestPath,
                                                                context: context)
            // Timings first: a partial result present means its unit finished.
            try write(try ResultJSON.encoder().encode(timing), to: WorkPlan.timingName(i))
            try write(try result.encoded(), to: WorkPlan.partialName(i))
            done(plan.units[i], result.outcome, result.error)
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

    /// Merges every unit's partial result into the run's output. Units without a usable partial result are
    /// returned (all of them, by id) instead of an output: nothing is merged or written then.
    public func gather(context: RunContext) throws -> Result<ExperimentOutput, GatherIncomplete> {
        let (plan, config, dataset) = try load(context: context)
        var problems: [UnitProblem] = []
        for unit in plan.units {
            do {
                let partial = try readPartial(unit.index)
                if partial.unit != unit { problems.append(UnitProblem(unit: unit, problem: "its file holds the result of unit \(partial.unit.id)")) }
                else if partial.configHash != plan.configHash || partial.datasetHash != plan.datasetHash {
                    problems.append(UnitProblem(unit: unit, problem: "computed from another config or dataset"))
                }
            } catch let e as RecLabError {
                problems.append(UnitProblem(unit: unit, problem: e.kind == .io ? "no partial result" : e.message))
            }
        }
        guard problems.isEmpty else { return .failure(GatherIncomplete(total: plan.units.count, problems: problems)) }
        let output = try ExperimentRunner.gather(config, dataset: dataset, plan: plan, source: manifestPath, context: context) { i in
            let timing = try? ResultJSON.decoder().decode(UnitTiming.self, from: Self.read(try folder.child(WorkPlan.timingName(i)).path,
                                                                                         limit: 1 << 16, what: "unit timing"))
            return (try readPartial(i), timing)
        }
        return .success(output)
    }

    public struct GatherIncomplete: Error, Sendable {
        public var total: Int
        public var problems: [UnitProblem]
    }

    func readPartial(_ index: Int) throws -> OfflineUnitResult {
        let path = try folder.child(WorkPlan.partialName(index)).path
        return try OfflineUnitResult.decode(try Self.read(path, limit: Self.maxPartialBytes, what: "partial result"), source: path)
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
