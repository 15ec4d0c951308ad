import Foundation
import RecLabCore
import RecLabEval
import RecLabTestSupport
import XCTest

/// Experiment config parsing: every error names the file, the line and the key; grids expand.
final class ConfigTests: XCTestCase {
    /// Stand-in validation with the same contract as a strategy's init (so these tests do not depend on
    /// which strategies have landed): knows `factors` (integer >= 1) and `reg` (number).
    private let validate: ExperimentConfig.StrategyValidator = { _, p in
        try p.rejectUnknown(allowed: ["factors", "reg"], owner: "test strategy")
        _ = try p.int("factors", default: 8, range: 1...1000)
        _ = try p.double("reg", default: 0.1)
    }

    private var store = ""

    override func setUpWithError() throws {
        // `store:` paths must exist; any file will do for parsing.
        let dir = try TestSupport.temporaryDirectory(self)
        store = dir.appendingPathComponent("d.sqlite").path
        FileManager.default.createFile(atPath: store, contents: Data())
    }

    private func yaml(strategies: String = "  - {name: a, type: als, params: {factors: 4}}", metrics: String = "[ndcg@10]",
                      extra: String = "") -> String {
        """
        name: cfg
        seed: 3
        dataset:
          store: \(store)
        split:
          method: kfold
          k: 3
        strategies:
        \(strategies)
        metrics: \(metrics)
        \(extra)
        """
    }

    private func parseError(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> RecLabError? {
        do {
            _ = try ExperimentConfig.parse(text: text, path: "exp.yaml", validate: validate)
            XCTFail("expected an error", file: file, line: line)
            return nil
        } catch let e as RecLabError {
            return e
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return nil
        }
    }

    func testValidConfig() throws {
        let c = try ExperimentConfig.parse(text: yaml(metrics: "\n  - ndcg@[5, 10]\n  - 'recall@10'\n  - rmse\n  - {map: [5]}"), path: "exp.yaml", validate: validate)
        XCTAssertEqual(c.name, "cfg")
        XCTAssertEqual(c.seed, 3)
        XCTAssertEqual(c.dataset, .store(path: store))
        XCTAssertEqual(c.split.methodName, "kfold")
        XCTAssertEqual(c.split.foldCount, 3)
        XCTAssertEqual(c.metrics.map(\.name), ["ndcg@5", "ndcg@10", "recall@10", "rmse", "map@5"])
        XCTAssertEqual(c.strategies.map(\.name), ["a"])
        XCTAssertEqual(c.strategies[0].parameters.values["factors"], .int(4))
        XCTAssertEqual(c.configHash, SHA256.hexDigest(c.configText))
        XCTAssertNil(c.relevance)
    }

    func testUnknownTopLevelKeyNamesKeyAndLine() throws {
        let e = try XCTUnwrap(parseError(yaml(extra: "seeds: 4")))
        XCTAssertEqual(e.key, "seeds")
        XCTAssertEqual(e.line, 11)
        XCTAssertEqual(e.file, "exp.yaml")
        XCTAssertTrue(e.message.contains("unknown key"))
    }

    func testWrongTypeNamesKeyAndLine() throws {
        let e = try XCTUnwrap(parseError(yaml().replacingOccurrences(of: "seed: 3", with: "seed: three")))
        XCTAssertEqual(e.key, "seed")
        XCTAssertEqual(e.line, 2)
        XCTAssertTrue(e.message.contains("expected an integer"))
    }

    func testUnknownStrategyType() throws {
        let e = try XCTUnwrap(parseError(yaml(strategies: "  - name: a\n    type: alss")))
        XCTAssertEqual(e.key, "strategies[0].type")
        XCTAssertEqual(e.line, 10)
        XCTAssertTrue(e.message.contains("unknown strategy type 'alss'"))
        XCTAssertTrue(e.message.contains("implicit-als"))
    }

    func testUnknownMetric() throws {
        let e = try XCTUnwrap(parseError(yaml(metrics: "\n  - ndcg@10\n  - ndgc@5")))
        XCTAssertEqual(e.key, "metrics[1]")
        XCTAssertEqual(e.line, 12)
        XCTAssertTrue(e.message.contains("unknown metric 'ndgc'"))
    }

    func testBadParameterNamesItsPathAndLine() throws {
        let e = try XCTUnwrap(parseError(yaml(strategies: "  - name: a\n    type: als\n    params:\n      factors: 0")))
        XCTAssertEqual(e.key, "strategies[0].params.factors")
        XCTAssertEqual(e.line, 12)
        XCTAssertEqual(e.file, "exp.yaml")
        XCTAssertTrue(e.message.contains("must be in 1...1000"))
        let u = try XCTUnwrap(parseError(yaml(strategies: "  - name: a\n    type: als\n    params:\n      factor: 3")))
        XCTAssertEqual(u.key, "strategies[0].params.factor")
        XCTAssertEqual(u.line, 12)
        XCTAssertTrue(u.message.contains("unknown parameter"))
    }

    func testBadSplitAndDatasetAndRelevance() throws {
        let s = try XCTUnwrap(parseError(yaml().replacingOccurrences(of: "method: kfold", with: "method: kfolds")))
        XCTAssertEqual(s.key, "split.method"); XCTAssertEqual(s.line, 6)
        let k = try XCTUnwrap(parseError(yaml().replacingOccurrences(of: "k: 3", with: "k: 1")))
        XCTAssertEqual(k.key, "split.k"); XCTAssertEqual(k.line, 7)
        let d = try XCTUnwrap(parseError(yaml().replacingOccurrences(of: "store: \(store)", with: "store: /nonexistent/x.sqlite")))
        XCTAssertEqual(d.key, "dataset.store"); XCTAssertEqual(d.line, 4)
        XCTAssertTrue(d.message.contains("not found"))
        let r = try XCTUnwrap(parseError(yaml(extra: "relevance: lots")))
        XCTAssertEqual(r.key, "relevance"); XCTAssertEqual(r.line, 11)
        let missing = try XCTUnwrap(parseError(yaml().replacingOccurrences(of: "name: cfg\n", with: "")))
        XCTAssertEqual(missing.key, "name")
        XCTAssertTrue(missing.message.contains("missing required key"))
    }

    func testGridExpandsToCartesianProductWithSuffixedNames() throws {
        let c = try ExperimentConfig.parse(text: yaml(strategies: "  - name: als\n    type: als\n    params: {factors: [16, 64], reg: [0.1, 1.0]}"),
                                           path: "exp.yaml", validate: validate)
        XCTAssertEqual(c.strategies.map(\.name), [
            "als[factors=16,reg=0.1]", "als[factors=16,reg=1.0]", "als[factors=64,reg=0.1]", "als[factors=64,reg=1.0]",
        ])
        XCTAssertEqual(c.strategies[2].parameters.values, ["factors": .int(64), "reg": .double(0.1)])
        XCTAssertEqual(c.strategies[2].parameterStrings, ["factors": "64", "reg": "0.1"])
        // A bad value inside a grid is reported at its line.
        let e = try XCTUnwrap(parseError(yaml(strategies: "  - name: als\n    type: als\n    params:\n      factors: [16, -1]")))
        XCTAssertEqual(e.key, "strategies[0].params.factors")
        XCTAssertEqual(e.line, 12)
    }

    func testDuplicateStrategyNamesAreRejected() throws {
        let e = try XCTUnwrap(parseError(yaml(strategies: "  - {name: a, type: als}\n  - {name: a, type: bpr}")))
        XCTAssertTrue(e.message.contains("duplicate strategy name 'a'"))
        XCTAssertEqual(e.line, 10)
    }

    func testRelevanceAndFeedbackForms() throws {
        let a = try ExperimentConfig.parse(text: yaml(extra: "relevance: 3.5\nfeedback: implicit"), path: nil, validate: validate)
        XCTAssertEqual(a.relevance, .threshold(3.5))
        XCTAssertEqual(a.feedback, .implicit)
        let b = try ExperimentConfig.parse(text: yaml(extra: "relevance: implicit"), path: nil, validate: validate)
        XCTAssertEqual(b.relevance, .implicit)
        let r = try XCTUnwrap(parseError(yaml(extra: "repeats: 3").replacingOccurrences(of: "method: kfold\n  k: 3", with: "method: user-temporal")))
        XCTAssertEqual(r.key, "repeats")
        XCTAssertTrue(r.message.contains("randomised split"))
    }

    func testInlineSyntheticDatasetIsValidatedWithLines() throws {
        let ok = try ExperimentConfig.parse(text: yaml().replacingOccurrences(of: "  store: \(store)", with: "  synthetic: {users: 20, movies: 10, days: 3}"),
                                            path: "exp.yaml", validate: validate)
        XCTAssertEqual(ok.dataset, .synthetic(path: nil))
        let e = try XCTUnwrap(parseError(yaml().replacingOccurrences(of: "  store: \(store)", with: "  synthetic:\n    users: 20\n    userz: 3")))
        XCTAssertEqual(e.line, 6)
        XCTAssertEqual(e.key, "dataset.synthetic.userz")
        let two = try XCTUnwrap(parseError(yaml().replacingOccurrences(of: "  store: \(store)", with: "  store: \(store)\n  movielens: x")))
        XCTAssertTrue(two.message.contains("exactly one of"))
        XCTAssertEqual(two.key, "dataset")
    }
}
