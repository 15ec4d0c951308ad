import Foundation
import RecLabTestSupport
import XCTest

/// The Debian packages RecLab needs are listed once (.ci/runtime-deps.txt, .ci/build-deps.txt) and read by
/// both the Dockerfile and .ci/ensure-deps.sh. Docker cannot run here, so the image is checked by reading:
/// each stage installs exactly its list, neither file names a package of its own, and every listed package's
/// command, library or header is present on this machine (ensure-deps's own check says none is missing).
final class DependencyListTests: XCTestCase {
    static let root = TestSupport.packageRoot

    struct Entry: Equatable { let package: String; let check: String }

    /// The list's entries, parsed here independently of the script.
    static func entries(_ name: String) throws -> [Entry] {
        let text = try String(contentsOf: root.appendingPathComponent(".ci/\(name)"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { raw in
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { return nil }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            return words.count == 2 ? Entry(package: words[0], check: words[1]) : Entry(package: line, check: "")
        }
    }

    func script(_ arguments: [String]) throws -> TestSupport.CommandResult {
        try TestSupport.run(URL(fileURLWithPath: "/bin/bash"), [Self.root.appendingPathComponent(".ci/ensure-deps.sh").path] + arguments,
                            currentDirectory: Self.root)
    }

    func testListsAreWellFormedAndNameTheRuntimeLibraries() throws {
        let runtime = try Self.entries("runtime-deps.txt"), build = try Self.entries("build-deps.txt")
        for e in runtime + build {
            XCTAssertTrue(e.package.range(of: #"^[a-z0-9][a-z0-9.+-]+$"#, options: .regularExpression) != nil, "package name \(e.package)")
            XCTAssertTrue(e.check.range(of: #"^(cmd|lib|header):[A-Za-z0-9._+-]+$"#, options: .regularExpression) != nil,
                          "\(e.package): check '\(e.check)' is not cmd:, lib: or header:")
        }
        // What the issue asks of the runtime image: OpenBLAS, SQLite and gnuplot.
        let checks = Set(runtime.map(\.check))
        XCTAssertTrue(checks.isSuperset(of: ["lib:libopenblas.so.0", "lib:libsqlite3.so.0", "cmd:gnuplot"]), "\(checks)")
        XCTAssertEqual(Set(runtime.map(\.package)).count, runtime.count)
    }

    /// ensure-deps reads the same package names as this parser, and finds nothing missing here: every listed
    /// package's command, library or header is present on this machine.
    func testEnsureDepsReadsTheListsAndEveryListedPackageIsPresent() throws {
        for name in ["runtime-deps.txt", "build-deps.txt"] {
            let listed = try script(["--list", ".ci/\(name)"])
            XCTAssertEqual(listed.status, 0, listed.stderr)
            XCTAssertEqual(listed.stdout.split(separator: "\n").map(String.init), try Self.entries(name).map(\.package))
            let missing = try script(["--missing", ".ci/\(name)"])
            XCTAssertEqual(missing.status, 0, missing.stderr)
            XCTAssertEqual(missing.stdout, "", "listed in .ci/\(name) but not present here")
        }
        // The check is real: a list naming something absent is reported.
        let dir = try TestSupport.temporaryDirectory(self)
        let fake = dir.appendingPathComponent("fake.txt")
        try "present-one cmd:sh\nabsent-one cmd:reclab-no-such-command\nabsent-two lib:libreclab-none.so.9\n".write(to: fake, atomically: true, encoding: .utf8)
        XCTAssertEqual(try script(["--missing", fake.path]).stdout, "absent-one\nabsent-two\n")

        // And the script names no package itself: every apt-get install takes the lists' names.
        let text = try String(contentsOf: Self.root.appendingPathComponent(".ci/ensure-deps.sh"), encoding: .utf8)
        XCTAssertTrue(text.contains("runtime-deps.txt") && text.contains("build-deps.txt"))
        for e in try Self.entries("runtime-deps.txt") + Self.entries("build-deps.txt") {
            let code = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }.joined(separator: "\n")
            XCTAssertFalse(code.contains(e.package), "ensure-deps.sh names \(e.package) itself")
        }
    }

    /// The Dockerfile: a Swift build stage installing build-deps.txt, then a slim runtime stage installing
    /// runtime-deps.txt (and nothing else), with the binary copied from the build stage.
    func testDockerfileStagesInstallFromTheLists() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        // Instructions, with continuation lines joined and comments dropped.
        var instructions: [String] = [], current = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if current.isEmpty && (line.isEmpty || line.hasPrefix("#")) { continue }
            if line.hasSuffix("\\") { current += line.dropLast() + " "; continue }
            instructions.append(current + line)
            current = ""
        }
        var args: [String: String] = [:]
        var stages: [(from: String, body: [String])] = []
        for i in instructions {
            let word = i.split(separator: " ").first.map(String.init) ?? ""
            if word == "ARG", stages.isEmpty, let eq = i.firstIndex(of: "=") {
                args[String(i[i.index(i.startIndex, offsetBy: 4)..<eq])] = String(i[i.index(after: eq)...])
            } else if word == "FROM" {
                var image = String(i.split(separator: " ")[1])
                for (k, v) in args { image = image.replacingOccurrences(of: "${\(k)}", with: v) }
                stages.append((image, []))
            } else if !stages.isEmpty {
                stages[stages.count - 1].body.append(i)
            }
        }
        XCTAssertEqual(stages.count, 2, "multi-stage: build and runtime")
        guard stages.count == 2 else { return }
        XCTAssertTrue(stages[0].from.hasPrefix("swift:6."), stages[0].from)
        XCTAssertTrue(stages[1].from.hasPrefix("debian:") && stages[1].from.hasSuffix("-slim"), stages[1].from)

        for (stage, list) in [(stages[0], "build-deps.txt"), (stages[1], "runtime-deps.txt")] {
            XCTAssertTrue(stage.body.contains { $0.hasPrefix("COPY .ci/\(list) ") }, "\(stage.from) stage does not copy .ci/\(list)")
            let installs = stage.body.filter { $0.contains("apt-get install") }
            XCTAssertEqual(installs.count, 1, "\(stage.from): one apt-get install")
            for install in installs {
                // The packages come from the list's first column, and no package name is written inline: once the
                // substitution is taken out, only flags are left.
                let substitution = "$(awk '!/^[[:space:]]*(#|$)/ { print $1 }' /tmp/\(list))"
                XCTAssertTrue(install.contains(substitution), install)
                let afterInstall = install.components(separatedBy: "apt-get install")[1].components(separatedBy: "&&")[0]
                let words = afterInstall.replacingOccurrences(of: substitution, with: "").split(separator: " ")
                XCTAssertTrue(words.allSatisfy { $0.hasPrefix("-") }, "inline package names in: \(install)")
                for e in try Self.entries(list == "build-deps.txt" ? "runtime-deps.txt" : "build-deps.txt") + Self.entries(list) {
                    XCTAssertFalse(install.contains(e.package), "\(e.package) named inline in: \(install)")
                }
            }
        }
        XCTAssertTrue(stages[1].body.contains { $0.hasPrefix("COPY --from=build ") && $0.contains("/usr/local/bin/reclab") })
        XCTAssertTrue(stages[0].body.contains { $0.contains("swift build -c release") })
        // The workflow runs the tiny experiment inside the built image.
        let workflow = try String(contentsOf: Self.root.appendingPathComponent(".github/workflows/image.yml"), encoding: .utf8)
        XCTAssertTrue(workflow.contains("docker build -t reclab:ci .") && workflow.contains("reclab:ci reclab run experiments/tiny.yaml"))
    }
}
