import Foundation
import RecLabConfig
import RecLabCore
import RecLabSynthetic

/// Where a run's data comes from.
public enum DatasetSource: Sendable, Equatable {
    /// A store made by `reclab import` or `reclab generate`.
    case store(path: String)
    /// A MovieLens folder or zip, imported in memory on the fly (`format`: auto, ml-100k, ml-1m, ml-latest).
    case movielens(path: String, format: String)
    /// A synthetic world generated in memory: the config file's path (nil when inline) and its node.
    case synthetic(path: String?)
}

/// The `dataset:` block of every config kind: exactly one of `store: FILE.sqlite`, `movielens: FOLDER` (with
/// optional `format`) or `synthetic: CONFIG.yaml | {inline config}`; paths relative to the current folder.
/// Configs that simulate in a world (A/B, OPE) also take `world_seed` for the semi-synthetic fit.
public struct DatasetBlock: Sendable {
    public var source: DatasetSource
    /// The synthetic world config (file or inline) when `source` is synthetic.
    public var syntheticNode: ConfigNode?
    /// The seed of a fitted world (the config's seed unless `world_seed` is given).
    public var worldSeed: UInt64

    public init(source: DatasetSource, syntheticNode: ConfigNode? = nil, worldSeed: UInt64) {
        self.source = source; self.syntheticNode = syntheticNode; self.worldSeed = worldSeed
    }

    /// Reads the block; `worldSeed` is the default world seed when the block may carry `world_seed`, nil when
    /// the config kind has no world (then `world_seed` is an unknown key).
    public static func parse(_ node: ConfigNode, worldSeed defaultWorldSeed: UInt64?) throws -> DatasetBlock {
        let m = try node.map()
        let store = m.optional("store"), movielens = m.optional("movielens"), synthetic = m.optional("synthetic")
        let format = m.optional("format")
        let seedNode = defaultWorldSeed == nil ? nil : m.optional("world_seed")
        try m.finish()
        var worldSeed = defaultWorldSeed ?? 0
        if let seedNode {
            let v = try seedNode.int()
            guard v >= 0 else { throw seedNode.error("world_seed must be non-negative") }
            worldSeed = UInt64(v)
        }
        let given = [store, movielens, synthetic].compactMap { $0 }
        guard given.count == 1 else {
            throw node.error("give exactly one of 'store: FILE.sqlite', 'movielens: FOLDER' or 'synthetic: CONFIG.yaml or {inline config}'")
        }
        if let f = format, movielens == nil { throw f.error("'format' applies only to 'movielens'") }
        if let store {
            let path = try store.string()
            guard FileManager.default.fileExists(atPath: path) else { throw store.error("dataset store '\(path)' not found") }
            return DatasetBlock(source: .store(path: path), worldSeed: worldSeed)
        }
        if let movielens {
            let path = try movielens.string()
            guard FileManager.default.fileExists(atPath: path) else { throw movielens.error("MovieLens folder '\(path)' not found") }
            let fmt = try format?.string() ?? "auto"
            guard fmt == "auto" || MovieLensFormat(name: fmt) != nil else {
                let formats = ["auto"] + MovieLensFormat.allCases.map(\.rawValue)
                throw format!.error("unknown format '\(fmt)'; expected one of: \(formats.joined(separator: ", ")) (or ml-latest-small, ml-20m, ml-25m, ml-32m)")
            }
            return DatasetBlock(source: .movielens(path: path, format: fmt), worldSeed: worldSeed)
        }
        let s = synthetic!
        let world: ConfigNode, path: String?
        if case .mapping = s.value {
            world = s; path = nil
        } else {
            let p = try s.string()
            guard FileManager.default.fileExists(atPath: p) else { throw s.error("synthetic config '\(p)' not found") }
            world = try ConfigNode.load(path: p); path = p
        }
        let parsed = try SyntheticConfig.parse(node: world)
        do { try parsed.validate() } catch let e as RecLabError { throw e.located(file: world.file, line: world.line) }
        return DatasetBlock(source: .synthetic(path: path), syntheticNode: world, worldSeed: worldSeed)
    }
}

/// What every config kind (offline experiment, A/B simulation, OPE) starts with, read by one parser with
/// one set of rules and defaults: `name` (a safe name: it becomes the default output folder), `seed` and
/// the `dataset:` block.
public struct ConfigHeader: Sendable {
    /// The seed when a config gives none (every shipped config gives one).
    public static let defaultSeed: UInt64 = 42

    public var name: String
    public var seed: UInt64
    public var dataset: DatasetBlock

    /// `what` names the kind's name in errors ("the experiment name"); `simulatesWorld` lets the dataset
    /// block carry `world_seed`.
    public static func read(_ root: ConfigMap, what: String, simulatesWorld: Bool) throws -> ConfigHeader {
        let nameNode = try root.required("name")
        let name = try SafeName.validate(try nameNode.string(), what: what, file: nameNode.file,
                                         line: nameNode.line, key: nameNode.path)
        var seed = defaultSeed
        if let s = root.optional("seed") {
            let v = try s.int()
            guard v >= 0 else { throw s.error("the seed must be a non-negative integer") }
            seed = UInt64(v)
        }
        let dataset = try DatasetBlock.parse(try root.required("dataset"), worldSeed: simulatesWorld ? seed : nil)
        return ConfigHeader(name: name, seed: seed, dataset: dataset)
    }
}
