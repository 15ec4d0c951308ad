import Foundation
import RecLabCore
import RecLabStrategies
import RecLabTestSupport
import XCTest

/// The parameter declarations are the single statement of each strategy's parameters: these tests tie the
/// declarations to what the models use, to validation, and to the generated reference in docs/strategies.md.
final class ParameterDeclarationTests: XCTestCase {
    private func make(_ type: String, _ values: [String: ParamValue]) throws -> any Recommender {
        try StrategyRegistry.make(type: type, parameters: Parameters(values))
    }

    func testEveryRegisteredStrategyHasWellFormedDeclarations() {
        for t in StrategyRegistry.types {
            let names = t.parameterInfo.map(\.name)
            XCTAssertEqual(Set(names).count, names.count, "\(t.typeName): duplicate parameter names \(names)")
            for p in t.parameterInfo {
                XCTAssertFalse(p.help.isEmpty, "\(t.typeName).\(p.name) has no help")
                guard let d = p.defaultValue else { continue }
                switch (p.type, d) {
                case (.int(let r), .int(let v)): XCTAssertTrue(r.contains(v), "\(t.typeName).\(p.name)")
                case (.double(let r), .double(let v)): XCTAssertTrue(r.contains(v), "\(t.typeName).\(p.name)")
                case (.bool, .bool): break
                case (.choice(let allowed), .string(let v)): XCTAssertTrue(allowed.contains(v), "\(t.typeName).\(p.name)")
                default: XCTFail("\(t.typeName).\(p.name): default \(d) does not match type \(p.type)")
                }
            }
        }
    }

    /// The config a model is built with from no parameters holds each declared default, read generically
    /// through each declaration's field; and a non-default value lands in the declared field (so no field is
    /// read from another parameter's declaration).
    func testDeclaredDefaultsAreTheValuesTheModelUses() throws {
        for t in StrategyRegistry.types { try checkDefaults(t) }
    }

    private func checkDefaults<R: Recommender>(_ t: R.Type) throws {
        let model = try R(parameters: Parameters())
        let declarations = R.Config.parameterDeclarations
        for d in declarations {
            XCTAssertEqual(d.fieldValue(model.config), d.defaultValue, "\(R.typeName).\(d.name)")
            guard let other = Self.nonDefaultValue(d.type, d.defaultValue) else { continue }
            let changed = try R(parameters: Parameters([d.name: other]))
            XCTAssertEqual(d.fieldValue(changed.config), Self.normalised(other, d.type), "\(R.typeName).\(d.name) = \(other)")
            // Every other field keeps its default.
            for e in declarations where e.name != d.name {
                XCTAssertEqual(e.fieldValue(changed.config), e.defaultValue, "\(R.typeName): setting \(d.name) changed \(e.name)")
            }
        }
        // Writing the defaults out gives the same settings as leaving them out.
        var explicit: [String: ParamValue] = [:]
        for d in declarations { explicit[d.name] = d.defaultValue }
        let spelled = try R(parameters: Parameters(explicit))
        for d in declarations {
            XCTAssertEqual(d.fieldValue(spelled.config), d.fieldValue(model.config), "\(R.typeName).\(d.name)")
        }
    }

    /// A value other than the default, inside the admissible values (nil when there is none).
    private static func nonDefaultValue(_ type: ParameterType, _ def: ParamValue?) -> ParamValue? {
        switch type {
        case .int(let r):
            let v = def.flatMap { if case .int(let x) = $0 { return x } else { return nil } }
            return .int(v == r.upperBound ? r.lowerBound : r.upperBound)
        case .double(let r):
            let v = def?.doubleValue
            return .double(v == r.upperBound ? r.lowerBound : r.upperBound)
        case .bool:
            return .bool(def != .bool(true))
        case .choice(let allowed):
            return allowed.first { .string($0) != def }.map(ParamValue.string)
        }
    }

    private static func normalised(_ v: ParamValue, _ type: ParameterType) -> ParamValue {
        if case .double = type, let d = v.doubleValue { return .double(d) }
        return v
    }

    func testRangeBoundsAreAcceptedAndValuesJustOutsideRefused() throws {
        for t in StrategyRegistry.types {
            for p in t.parameterInfo {
                var accepted: [ParamValue] = [], refused: [ParamValue] = []
                switch p.type {
                case .int(let r):
                    accepted = [.int(r.lowerBound), .int(r.upperBound)]
                    if r.lowerBound > Int.min { refused.append(.int(r.lowerBound - 1)) }
                    if r.upperBound < Int.max { refused.append(.int(r.upperBound + 1)) }
                    refused.append(.double(Double(r.lowerBound) + 0.5))
                case .double(let r):
                    accepted = [.double(r.lowerBound), .double(r.upperBound)]
                    refused = [.double(r.lowerBound.nextDown), .double(r.upperBound.nextUp), .string("high")]
                case .bool:
                    accepted = [.bool(true), .bool(false)]
                    refused = [.int(1), .string("yes")]
                case .choice(let allowed):
                    accepted = allowed.map(ParamValue.string)
                    refused = [.string("no-such-\(p.name)"), .int(1)]
                }
                for v in accepted {
                    XCTAssertNoThrow(try make(t.typeName, [p.name: v]), "\(t.typeName).\(p.name) = \(v)")
                }
                XCTAssertFalse(refused.isEmpty)
                for v in refused {
                    XCTAssertThrowsError(try make(t.typeName, [p.name: v]), "\(t.typeName).\(p.name) = \(v)") { error in
                        let e = error as? RecLabError
                        XCTAssertEqual(e?.kind, .config, "\(t.typeName).\(p.name) = \(v)")
                        XCTAssertEqual(e?.key, p.name, "\(t.typeName).\(p.name) = \(v): \(error)")
                    }
                }
            }
            // Undeclared keys are refused, naming the key and the declared ones.
            XCTAssertThrowsError(try make(t.typeName, ["not_a_parameter": .int(1)])) { error in
                let e = error as? RecLabError
                XCTAssertEqual(e?.key, "not_a_parameter", t.typeName)
                for p in t.parameterInfo { XCTAssertTrue(e?.message.contains(p.name) ?? false, "\(t.typeName): \(error)") }
            }
        }
    }

    func testHybridPassesPrefixedKeysToItsInnerStrategies() throws {
        XCTAssertNoThrow(try make("hybrid", ["base": .string("item-knn"), "base.k": .int(2000), "fallback.tag_weight": .double(0)]))
        XCTAssertThrowsError(try make("hybrid", ["base": .string("item-knn"), "base.k": .int(2001)])) {
            XCTAssertEqual(($0 as? RecLabError)?.key, "base.k")
        }
        XCTAssertThrowsError(try make("hybrid", ["base": .string("hybrid")])) {
            XCTAssertEqual(($0 as? RecLabError)?.key, "base")
        }
    }

    /// docs/strategies.md holds `reclab strategies --markdown` between its markers.
    func testStrategiesPageMatchesTheGeneratedReference() throws {
        let url = TestSupport.packageRoot.appendingPathComponent("docs/strategies.md")
        let page = try String(contentsOf: url, encoding: .utf8)
        let section = try XCTUnwrap(StrategyCatalogue.generatedSection(of: page),
                                    "docs/strategies.md lacks the markers \(StrategyCatalogue.beginMarker) ... \(StrategyCatalogue.endMarker)")
        let generated = StrategyCatalogue.markdown()
        XCTAssertEqual(section, generated,
                       "docs/strategies.md is out of date: replace the text between its markers with `reclab strategies --markdown`")
        // The reference has a section per strategy and a row per declared parameter, with its default.
        for t in StrategyRegistry.types {
            XCTAssertTrue(generated.contains("### `\(t.typeName)`\n"), t.typeName)
            for p in t.parameterInfo {
                XCTAssertTrue(generated.contains("| `\(p.name)` | \(p.type.name) | "), "\(t.typeName).\(p.name)")
            }
        }
        XCTAssertTrue(generated.contains("| `k` | integer | 1...2000 | 20 | neighbours kept per item |"), generated)
        XCTAssertTrue(generated.contains("| `lambda` | number | 1e-09...1e+12 | 400 |"), generated)
    }

    func testMarkersAreFoundOnlyInOrder() {
        let b = StrategyCatalogue.beginMarker, e = StrategyCatalogue.endMarker
        XCTAssertEqual(StrategyCatalogue.generatedSection(of: "x\n\(b)\nbody\n\(e)\ny"), "body\n")
        XCTAssertNil(StrategyCatalogue.generatedSection(of: "\(e)\n\(b)\nbody\n"))
        XCTAssertNil(StrategyCatalogue.generatedSection(of: "no markers"))
    }

    func testTextListingShowsTypeRangeAndDefault() {
        let text = StrategyCatalogue.text([ItemKNNRecommender.self, RandomRecommender.self, HybridRecommender.self])
        XCTAssertTrue(text.contains("    k (integer in 1...2000; default 20): neighbours kept per item\n"), text)
        XCTAssertTrue(text.contains("    similarity (one of cosine, adjusted-cosine, pearson; default cosine): "), text)
        XCTAssertTrue(text.contains("    seed (any integer; default the run's seed): "), text)
        XCTAssertTrue(text.contains("    base.NAME: a parameter of the base strategy\n"), text)
    }
}
