import Foundation
import RecLabConfig
import RecLabCore
import RecLabSplits

/// One train/test fold as sorted row indices into a `Dataset` (no copy of the data).
public typealias Fold = SplitFold

/// The `split:` section of an experiment config. Parsing and fold making are the splits module's
/// (`Splitter`); this wrapper adds what result documents need.
public struct SplitSpec: Sendable, Equatable {
    public var method: SplitMethod

    public init(method: SplitMethod) { self.method = method }

    public var methodName: String { method.name }
    /// True when the folds depend on the seed.
    public var isRandom: Bool { method.isRandom }
    public var foldCount: Int { method.foldCount }
    public var parameters: [String: String] { method.parameters }

    /// Parses `split:` (see README "Synthetic worlds" > Splits); errors name key and line.
    public static func parse(_ node: ConfigNode) throws -> SplitSpec {
        SplitSpec(method: try Splitter.parse(node: node))
    }

    /// The folds for `dataset`; random methods draw only from `seed`; predefined split files' user ids are
    /// pseudonymised with `pseudonymizer`.
    public func folds(of dataset: Dataset, seed: UInt64,
                      pseudonymizer: () throws -> Pseudonymizer = { Pseudonymizer(key: Pseudonymizer.developmentKey) },
                      readFile: (String) throws -> Data = LocalFiles.read) throws -> [Fold] {
        try Splitter.folds(for: dataset, method: method, seed: seed, pseudonymizer: pseudonymizer, readFile: readFile)
    }
}
