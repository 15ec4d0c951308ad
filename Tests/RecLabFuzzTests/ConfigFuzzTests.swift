import Foundation
import RecLabApp
import RecLabConfig
import RecLabCore
import RecLabEval
import RecLabSim
import RecLabSynthetic
import RecLabTestSupport
import XCTest

/// Fuzzes the YAML reader and the config parsers with random bytes and with mutations of the
/// shipped configs. Every input must parse or throw a `RecLabError`; a trap (overflow, bad index, forced
/// unwrap) ends the test process, which fails the run.
final class ConfigFuzzTests: XCTestCase {
    /// Parses `text` with every config parser; returns the first non-RecLab error, if any.
    static func parseAll(_ text: String) -> [String] {
        var odd: [String] = []
        func check(_ what: String, _ body: () throws -> Void) {
            do { try body() } catch is RecLabError {} catch { odd.append("\(what): \(type(of: error)): \(error)") }
        }
        check("node") { _ = try ConfigNode.parse(text, file: "fuzz.yaml") }
        check("experiment") { _ = try ExperimentConfig.parse(text: text, path: "fuzz.yaml") }
        check("ab") { _ = try ABConfig.parse(text, file: "fuzz.yaml", strategies: SimulationStrategies.catalogue) }
        check("ope") { _ = try OPEConfig.parse(text, file: "fuzz.yaml", strategies: SimulationStrategies.catalogue) }
        check("interleaving") { _ = try InterleavingConfig.parse(text, file: "fuzz.yaml", strategies: SimulationStrategies.catalogue) }
        check("kind") { _ = try SimulationKind.of(text, file: "fuzz.yaml") }
        check("synthetic") {
            let c = try SyntheticConfig.parse(node: try ConfigNode.parse(text, file: "fuzz.yaml"))
            try c.validate()
        }
        return odd
    }

    static func shippedConfigs() throws -> [(String, [UInt8])] {
        let fm = FileManager.default
        var out: [(String, [UInt8])] = []
        for folder in ["experiments", "datasets"] {
            let dir = TestSupport.packageRoot.appendingPathComponent(folder)
            for name in try fm.contentsOfDirectory(atPath: dir.path).sorted() where name.hasSuffix(".yaml") {
                // Relative data paths made absolute: no test changes the working directory.
                let text = TestSupport.rootedConfigText(try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8))
                out.append(("\(folder)/\(name)", Array(text.utf8)))
            }
        }
        return out
    }

    func testShippedConfigsStillParse() throws {
        // The fuzzing below is only meaningful if the unmutated inputs are accepted.
        for (name, bytes) in try Self.shippedConfigs() {
            let text = String(decoding: bytes, as: UTF8.self)
            var messages: [String] = []
            func attempt(_ body: () throws -> Void) -> Bool {
                do { try body(); return true } catch { messages.append("\(error)"); return false }
            }
            let parsed = attempt { _ = try ExperimentConfig.parse(text: text, path: name) } || attempt { _ = try ABConfig.parse(text, file: name, strategies: SimulationStrategies.catalogue) }
                || attempt { _ = try OPEConfig.parse(text, file: name, strategies: SimulationStrategies.catalogue) }
                || attempt { _ = try InterleavingConfig.parse(text, file: name, strategies: SimulationStrategies.catalogue) }
                || attempt { _ = try SyntheticConfig.parse(node: ConfigNode.parse(text, file: name)) }
            // Configs over data made by CI or downloaded (demo's store, MovieLens folders) stop at "not found" here.
            XCTAssertTrue(parsed || messages.contains { $0.contains("not found") }, "\(name) no longer parses: \(messages)")
        }
    }

    func testRandomBytes() {
        var m = Mutator(seed: 8, stream: "config-random")
        for i in 0..<400 {
            let text = String(decoding: m.randomBytes(maxCount: 200), as: UTF8.self)
            XCTAssertEqual(Self.parseAll(text), [], "random input \(i)")
        }
    }

    func testMutatedShippedConfigs() throws {
        var m = Mutator(seed: 8, stream: "config-mutations")
        for (name, bytes) in try Self.shippedConfigs() {
            for i in 0..<60 {
                let text = String(decoding: m.mutate(bytes), as: UTF8.self)
                let odd = Self.parseAll(text)
                XCTAssertEqual(odd, [], "\(name) mutation \(i):\n\(text.prefix(2000))")
            }
        }
    }

    func testHostileValuesInEveryNumericKey() throws {
        // Every plain number of every shipped config replaced, one at a time, by each hostile value.
        for (name, bytes) in try Self.shippedConfigs() {
            let text = String(decoding: bytes, as: UTF8.self)
            let regex = try NSRegularExpression(pattern: "(?<=[:\\[,@ ])-?[0-9][0-9._]*")
            let matches = regex.matches(in: text, range: NSRange(text.startIndex..., in: text))
            for match in matches.prefix(20) {
                for token in ["5000000000", "-5", "0", "99999999999999999999"] {
                    let mutated = (text as NSString).replacingCharacters(in: match.range, with: token)
                    XCTAssertEqual(Self.parseAll(mutated), [], "\(name): \(token) at \(match.range)")
                }
            }
        }
    }

    func testAliasExpansionIsBounded() {
        // Nine levels of nine aliases: 9^9 values if expanded; refused at the node cap.
        var yaml = "l0: &l0 [x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 { yaml += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ", ") + "]\n" }
        XCTAssertThrowsError(try ConfigNode.parse(yaml, file: "laughs.yaml")) { error in
            let e = error as? RecLabError
            XCTAssertEqual(e?.file, "laughs.yaml")
            XCTAssertTrue(e?.message.contains("\(ConfigNode.maxNodes)") ?? false, "\(error)")
        }
        // A long key under an alias used many times: bounded by the key-path budget, not the node count.
        let longKey = String(repeating: "k", count: 200_000)
        // (An explicit `? key` entry: YAML limits implicit keys to 1024 characters.)
        let keyBomb = "a: &a\n  ? \(longKey)\n  : 1\nb: [" + Array(repeating: "*a", count: 200).joined(separator: ", ") + "]\n"
        XCTAssertThrowsError(try ConfigNode.parse(keyBomb, file: "keys.yaml")) { error in
            XCTAssertTrue((error as? RecLabError)?.message.contains("\(ConfigNode.maxPathBytes)") ?? false, "\(error)")
        }
        // Ordinary aliases are still accepted (and expanded).
        let node = try? ConfigNode.parse("a: &x [1, 2]\nb: *x\n", file: nil)
        XCTAssertEqual(try node?.map().optional("b")?.list().count, 2)
    }

    func testDocumentSizeIsBounded() throws {
        let big = "a: " + String(repeating: "x", count: ConfigNode.maxDocumentBytes) + "\n"
        XCTAssertThrowsError(try ConfigNode.parse(big, file: "big.yaml")) { error in
            XCTAssertTrue((error as? RecLabError)?.message.contains("1 MiB") ?? false, "\(error)")
        }
        let dir = try TestSupport.temporaryDirectory(self)
        let path = dir.appendingPathComponent("big.yaml").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(big.utf8)))
        XCTAssertThrowsError(try ConfigNode.readText(path: path)) { error in
            XCTAssertEqual((error as? RecLabError)?.file, path)
        }
        XCTAssertThrowsError(try ConfigNode.readText(path: dir.path)) { XCTAssertTrue($0 is RecLabError) }
        XCTAssertThrowsError(try ConfigNode.readText(path: "/dev/zero")) { XCTAssertTrue($0 is RecLabError) }
    }
}
