import Foundation
import RecLabTestSupport
import XCTest

/// The module rules of docs/architecture.md, checked on the sources: engines do no I/O and reach no
/// persistence or import code, and Package.swift's target graph is the one the page documents.
final class ArchitectureTests: XCTestCase {
    /// Modules that compute only: plan + in-memory data + RunContext in, documents out.
    static let engineModules = ["RecLabEval", "RecLabSim", "RecLabStrategies", "RecLabSplits", "RecLabStats", "RecLabSynthetic"]
    /// Modules an engine must not depend on (persistence, importers, the application layer).
    static let forbiddenModules = ["RecLabStore", "RecLabImport", "RecLabApp", "RecLabReport"]
    /// Calls that mean file, environment, process, clock or global-state access (time comes from the run
    /// context's clock, so a test can fix it).
    static let forbiddenCalls = ["FileManager", "ProcessInfo", "Process(", "FileHandle", "getenv", "setenv", "printError(",
                                 "nonisolated(unsafe)", "DispatchTime", "Date()", "clock_gettime", "ContinuousClock"]

    func testEngineSourcesDoNoIOAndImportNoPersistence() throws {
        var problems: [String] = []
        for module in Self.engineModules {
            let folder = TestSupport.packageRoot.appendingPathComponent("Sources/\(module)")
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".swift") }.sorted()
            XCTAssertFalse(files.isEmpty, "no sources found for \(module)")
            for file in files {
                let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let line = Self.code(raw)
                    for m in Self.forbiddenModules where line.hasPrefix("import \(m)") || line.contains("@testable import \(m)") {
                        problems.append("\(module)/\(file):\(n + 1): imports \(m)")
                    }
                    for call in Self.forbiddenCalls where line.contains(call) {
                        problems.append("\(module)/\(file):\(n + 1): uses \(call)")
                    }
                }
            }
        }
        XCTAssertEqual(problems, [], "engine modules must stay pure (see docs/architecture.md)")
    }

    /// Libraries log through `RunContext.log` and never print: standard error and output belong to the
    /// executables, whose handler (`RecLabApp/AppLogging.swift`, installed by their `main`) is the one exception.
    func testLibrariesLogAndNeverPrint() throws {
        let sources = TestSupport.packageRoot.appendingPathComponent("Sources")
        let executables: Set<String> = ["reclab", "reclab-bench"]
        let allowed: Set<String> = ["RecLabApp/AppLogging.swift"]
        let printing = ["print(", "printError(", "FileHandle.standard", "fputs(", "fwrite(", "putchar("]
        var problems: [String] = [], checked = 0
        for module in try FileManager.default.contentsOfDirectory(atPath: sources.path).sorted() where !executables.contains(module) {
            let folder = sources.appendingPathComponent(module)
            for file in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where file.hasSuffix(".swift") {
                guard !allowed.contains("\(module)/\(file)") else { continue }
                checked += 1
                let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let line = Self.code(raw)
                    for call in printing where line.range(of: #"(^|[^\w.])"# + NSRegularExpression.escapedPattern(for: call),
                                                          options: .regularExpression) != nil {
                        problems.append("\(module)/\(file):\(n + 1): uses \(call)")
                    }
                }
            }
        }
        XCTAssertGreaterThan(checked, 50, "library sources found")
        XCTAssertEqual(problems, [], "libraries log through RunContext.log; only the executables print")
    }

    /// The checker itself: a forbidden call in code is found, one in a comment or a string is not.
    func testCheckerSeesCodeNotComments() {
        XCTAssertEqual(Self.code("    let x = FileManager.default // FileManager"), "let x = FileManager.default")
        XCTAssertEqual(Self.code("    /// Reads with FileManager"), "")
        XCTAssertFalse(Self.code(#"    throw error("set RECLAB_THREADS, not ProcessInfo")"#).contains("ProcessInfo"))
    }

    func testPackageGraphMatchesTheArchitecturePage() throws {
        let package = try Self.packageGraph()
        let documented = try Self.documentedGraph()
        XCTAssertFalse(package.isEmpty)
        XCTAssertEqual(Set(package.keys), Set(documented.keys), "targets in Package.swift vs docs/architecture.md")
        for (name, deps) in package.sorted(by: { $0.key < $1.key }) {
            XCTAssertEqual(deps, documented[name], "dependencies of \(name): Package.swift vs docs/architecture.md")
        }
        for engine in Self.engineModules {
            let deps = try XCTUnwrap(package[engine], "\(engine) missing from Package.swift")
            XCTAssertTrue(deps.isDisjoint(with: Self.forbiddenModules), "\(engine) depends on \(deps.intersection(Self.forbiddenModules).sorted())")
        }
    }

    // MARK: - reading sources

    /// A source line without its comment and string literals, trimmed (enough for these checks).
    static func code(_ raw: Substring) -> String {
        var out = "", inString = false, previous: Character = " "
        for ch in raw {
            if !inString && ch == "/" && previous == "/" { out.removeLast(); break }
            if ch == "\"" { inString.toggle(); previous = ch; continue }
            if !inString { out.append(ch) }
            previous = ch
        }
        return out.trimmingCharacters(in: .whitespaces)
    }

    /// Package.swift's source targets (not tests, not system libraries) and the RecLab modules each depends on.
    static func packageGraph() throws -> [String: Set<String>] {
        let text = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        var graph: [String: Set<String>] = [:]
        let target = try NSRegularExpression(pattern: #"\.(?:target|executableTarget)\(name: "([^"]+)"(.*?)\)\s*,\s*(?=\n)"#,
                                             options: [.dotMatchesLineSeparators])
        for match in target.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            let name = String(text[Range(match.range(at: 1), in: text)!])
            let rest = String(text[Range(match.range(at: 2), in: text)!])
            if rest.contains("path: \"Tests/") { continue }
            graph[name] = dependencies(rest)
        }
        return graph
    }

    /// Quoted target names in a `dependencies: [...]` list, products (`.product(...)`) left out.
    static func dependencies(_ declaration: String) -> Set<String> {
        guard let open = declaration.range(of: "dependencies: [") else { return [] }
        let list = declaration[open.upperBound...].prefix { $0 != "]" }
        let withoutProducts = list.replacingOccurrences(of: #"\.product\([^)]*\)?"#, with: "", options: .regularExpression)
        return Set(quoted(withoutProducts))
    }

    static func quoted(_ s: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: #"["`]([A-Za-z][A-Za-z0-9-]*)["`]"#)
        return regex.matches(in: s, range: NSRange(s.startIndex..., in: s)).map { String(s[Range($0.range(at: 1), in: s)!]) }
    }

    /// The "Module graph" table of docs/architecture.md: `| `module` | `dep`, `dep` |` rows.
    static func documentedGraph() throws -> [String: Set<String>] {
        let text = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        guard let start = text.range(of: "## Module graph") else {
            throw NSError(domain: "ArchitectureTests", code: 1, userInfo: [NSLocalizedDescriptionKey: "docs/architecture.md has no '## Module graph' section"])
        }
        var graph: [String: Set<String>] = [:]
        for line in text[start.upperBound...].split(separator: "\n") {
            if line.hasPrefix("## ") { break }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4, let name = quoted(cells[1]).first, cells[1].hasPrefix("`") else { continue }
            graph[name] = Set(quoted(cells[2]))
        }
        return graph
    }
}
