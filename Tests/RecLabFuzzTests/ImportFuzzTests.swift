import Foundation
import RecLabCore
import RecLabImport
import RecLabTestSupport
import XCTest

/// Fuzzes the MovieLens importers: each accepted fixture folder is copied to a temporary folder with one
/// file mutated (byte flips, truncation, moved or duplicated lines, hostile numbers, random bytes) and
/// imported, as auto-detected and as its own format. Every import must succeed or throw a `RecLabError`.
final class ImportFuzzTests: XCTestCase {
    static let fixtures = TestSupport.packageRoot.appendingPathComponent("Tests/RecLabStoreTests/Fixtures")
    static let okFolders: [(String, MovieLensFormat)] = [
        ("latest-ok", .mlLatest), ("ml100k-ok", .ml100k), ("ml1m-ok", .ml1m), ("ml10m-ok", .ml10m),
    ]

    func importAll(_ dir: URL, format: MovieLensFormat) -> [String] {
        var odd: [String] = []
        let options = ImportOptions(pseudonymizer: Pseudonymizer(key: "fuzz"))
        for f in [nil, format] {
            do { _ = try MovieLensImporter.load(path: dir.path, format: f, options: options) } catch is RecLabError {} catch {
                odd.append("\(f?.rawValue ?? "auto"): \(type(of: error)): \(error)")
            }
        }
        return odd
    }

    func testUnmutatedFixturesImport() throws {
        for (folder, format) in Self.okFolders {
            let dir = Self.fixtures.appendingPathComponent(folder)
            XCTAssertNoThrow(try MovieLensImporter.load(path: dir.path, format: format, options: ImportOptions(pseudonymizer: Pseudonymizer(key: "fuzz"))), folder)
        }
    }

    func testMutatedFixtures() throws {
        let fm = FileManager.default
        var m = Mutator(seed: 8, stream: "movielens")
        let work = try TestSupport.temporaryDirectory(self)
        for (folder, format) in Self.okFolders {
            let source = Self.fixtures.appendingPathComponent(folder)
            let files = try fm.contentsOfDirectory(atPath: source.path).sorted()
            let originals = try files.map { Array(try Data(contentsOf: source.appendingPathComponent($0))) }
            for i in 0..<50 {
                let dir = work.appendingPathComponent("\(folder)-\(i)")
                try fm.createDirectory(at: dir, withIntermediateDirectories: true)
                let target = m.int(files.count)
                for (j, name) in files.enumerated() {
                    let bytes = j == target ? m.mutate(originals[j]) : originals[j]
                    try Data(bytes).write(to: dir.appendingPathComponent(name))
                }
                XCTAssertEqual(importAll(dir, format: format), [], "\(folder) mutation \(i) of \(files[target])")
                try fm.removeItem(at: dir)
            }
        }
    }

    func testRandomFiles() throws {
        let fm = FileManager.default
        var m = Mutator(seed: 8, stream: "movielens-random")
        let work = try TestSupport.temporaryDirectory(self)
        for (folder, format) in Self.okFolders {
            let files = try fm.contentsOfDirectory(atPath: Self.fixtures.appendingPathComponent(folder).path)
            for i in 0..<10 {
                let dir = work.appendingPathComponent("\(folder)-random-\(i)")
                try fm.createDirectory(at: dir, withIntermediateDirectories: true)
                for name in files { try Data(m.randomBytes(maxCount: 300)).write(to: dir.appendingPathComponent(name)) }
                XCTAssertEqual(importAll(dir, format: format), [], "\(folder) random \(i)")
            }
        }
    }
}
