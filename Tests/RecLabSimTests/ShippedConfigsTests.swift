import Foundation
import RecLabApp
import RecLabEval
import RecLabSim
import RecLabTestSupport
import XCTest

/// Every config shipped in `experiments/` reads and validates (strategies, metrics, split, dataset), so a
/// renamed parameter or strategy cannot leave a broken example behind. By convention `ab-*.yaml` are A/B
/// simulations (`kind: interleaving` configs are interleaving simulations), `ope-*.yaml` off-policy evaluations and the rest offline experiments.
final class ShippedConfigsTests: XCTestCase {
    func testEveryShippedExperimentConfigLoads() throws {
        let root = TestSupport.packageRoot
        let folder = root.appendingPathComponent("experiments")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 10, "experiments/ lost its configs: \(files)")

        // Configs name their data relative to the repository root, as the README says to run them: the
        // paths are made absolute (TestSupport.rootedConfigText) rather than changing the working directory.
        let sharedPresent = FileManager.default.fileExists(atPath: root.appendingPathComponent("../shared/datasets").path)

        var checked = 0
        for file in files {
            let path = "experiments/" + file
            let stem = String(file.dropLast(".yaml".count))
            var text = TestSupport.rootedConfigText(try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8))
            if text.contains("../shared/datasets"), !sharedPresent {
                print("skipping \(path): needs ../shared/datasets beside the repository")
                continue
            }
            // A store that an earlier step makes (the demo generates reports/demo/small.sqlite before its
            // experiment) is stood in for by an empty file: reading a config checks only that the store exists.
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count == 2, fields[0] == "store:", !FileManager.default.fileExists(atPath: String(fields[1])) else { continue }
                let standIn = try TestSupport.temporaryDirectory(self).appendingPathComponent("\(stem).sqlite")
                XCTAssertTrue(FileManager.default.createFile(atPath: standIn.path, contents: Data()))
                text = text.replacingOccurrences(of: "store: \(fields[1])", with: "store: \(standIn.path)")
            }
            do {
                if try SimulationKind.of(text, file: path) == .interleaving {
                    let il = try InterleavingConfig.parse(text, file: path, strategies: SimulationStrategies.catalogue)
                    XCTAssertEqual(il.name, stem, path)
                    XCTAssertGreaterThanOrEqual(il.teams.count, 2, path)
                } else if stem.hasPrefix("ab-") {
                    let ab = try ABConfig.parse(text, file: path, strategies: SimulationStrategies.catalogue)
                    XCTAssertEqual(ab.name, stem, path)
                    XCTAssertGreaterThanOrEqual(ab.simulation.arms.count, 2, path)
                } else if stem.hasPrefix("ope-") {
                    let ope = try OPEConfig.parse(text, file: path, strategies: SimulationStrategies.catalogue)
                    XCTAssertEqual(ope.name, stem, path)
                    XCTAssertFalse(ope.targets.isEmpty, path)
                } else {
                    let experiment = try ExperimentConfig.parse(text: text, path: path)
                    XCTAssertEqual(experiment.name, stem, path)
                    XCTAssertFalse(experiment.strategies.isEmpty, path)
                    XCTAssertFalse(experiment.metrics.isEmpty, path)
                }
                checked += 1
            } catch {
                XCTFail("\(path) does not load: \(error)")
            }
        }
        XCTAssertGreaterThan(checked, 0)
    }
}
