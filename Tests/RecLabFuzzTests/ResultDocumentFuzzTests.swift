import Foundation
import RecLabCore
import RecLabEval
import RecLabReport
import RecLabResults
import RecLabStore
import RecLabTestSupport
import RecLabApp
import XCTest

/// Fuzzes the result-document reader with mutations of a real metrics.json, made here by running a
/// tiny experiment in memory. Every input must decode or throw a `RecLabError`.
final class ResultDocumentFuzzTests: XCTestCase {
    static let experiment = """
        name: fuzz
        seed: 3
        dataset:
          synthetic: {users: 40, movies: 30, days: 20, factors: 4}
        split: {method: user-temporal, fraction: 0.2}
        relevance: implicit
        strategies:
          - {name: most-popular, type: most-popular}
          - {name: item-knn, type: item-knn, params: {k: 5}}
        metrics: [ndcg@5, recall@5, coverage@5, novelty@5]
        """

    static func realDocument() throws -> [UInt8] {
        let config = try ExperimentConfig.parse(text: experiment, path: nil)
        let dataset = try DatasetSources.dataset(for: config, context: RunContext())
        let output = try ExperimentRunner.run(config, dataset: dataset)
        return Array(try ResultJSON.encoder().encode(output.document))
    }

    static func decodeIsClean(_ bytes: [UInt8]) -> String? {
        do { _ = try ResultDocument.decode(Data(bytes), source: "fuzz.json") } catch is RecLabError {} catch {
            return "\(type(of: error)): \(error)"
        }
        return nil
    }

    func testMutatedDocuments() throws {
        let original = try Self.realDocument()
        XCTAssertNil(Self.decodeIsClean(original))
        guard case .offline = try ResultDocument.decode(Data(original), source: "real.json") else { return XCTFail("not offline") }
        var m = Mutator(seed: 8, stream: "result-documents")
        for i in 0..<600 {
            let mutated = m.mutate(original)
            XCTAssertNil(Self.decodeIsClean(mutated), "mutation \(i)")
        }
    }

    func testHostileValuesInEveryField() throws {
        // Every JSON number and string value replaced, one at a time, by values of the wrong kind or size.
        let text = String(decoding: try Self.realDocument(), as: UTF8.self)
        let regex = try NSRegularExpression(pattern: ": (-?[0-9][0-9.eE+-]*|\"[^\"]*\")")
        let matches = regex.matches(in: text, range: NSRange(text.startIndex..., in: text))
        var step = max(1, matches.count / 150)
        if matches.count < 150 { step = 1 }
        for match in stride(from: 0, to: matches.count, by: step).map({ matches[$0] }) {
            for token in ["1e999", "-1", "9223372036854775808", "\"nan\"", "null", "[]", "{}", "\"\"", "true", "1.5"] {
                let mutated = (text as NSString).replacingCharacters(in: match.range(at: 1), with: token)
                XCTAssertNil(Self.decodeIsClean(Array(mutated.utf8)), "\(token) at \(match.range)")
            }
        }
    }

    func testRandomBytesAndLoadFromFile() throws {
        var m = Mutator(seed: 8, stream: "result-random")
        for _ in 0..<300 { XCTAssertNil(Self.decodeIsClean(m.randomBytes(maxCount: 300))) }
        let dir = try TestSupport.temporaryDirectory(self)
        let file = dir.appendingPathComponent("metrics.json")
        let original = try Self.realDocument()
        for i in 0..<40 {
            try Data(m.mutate(original)).write(to: file)
            for path in [file.path, dir.path] {
                do { _ = try ResultDocument.load(path: path) } catch is RecLabError {} catch {
                    XCTFail("load \(i): \(type(of: error)): \(error)")
                }
            }
        }
    }
}
