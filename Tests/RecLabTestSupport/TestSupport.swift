import Foundation
import RecLabCore
import XCTest

/// Helpers shared by the test targets.
public enum TestSupport {
    /// Root of the package (the folder holding Package.swift), found from this source file.
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// A shipped config's text with its relative data paths (`datasets/`, `reports/`, `../shared/`, as the
    /// README runs them from the package root) made absolute, so tests parse it without changing the
    /// process's working directory (which would race with tests running in parallel).
    public static func rootedConfigText(_ text: String) -> String {
        text.replacingOccurrences(of: #"(:\s*)(\.\./shared/|datasets/|reports/)"#, with: "$1\(packageRoot.path)/$2",
                                  options: .regularExpression)
    }

    /// `../shared/datasets/NAME` beside the package; skips the test with a clear message when absent.
    public static func sharedDataset(_ name: String) throws -> URL {
        // RECLAB_SHARED_DATASETS points elsewhere, for checkouts that do not sit beside `shared/` (git worktrees).
        let root = ProcessInfo.processInfo.environment["RECLAB_SHARED_DATASETS"].map { URL(fileURLWithPath: $0) }
            ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared/datasets")
        let url = root.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("needs \(url.path) (../shared/datasets beside the package, or set RECLAB_SHARED_DATASETS)")
        }
        return url
    }

    /// A fresh empty temporary folder, removed when the test ends.
    public static func temporaryDirectory(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("reclab-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// The `reclab` executable built beside the test bundle.
    public static var reclabBinary: URL {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("reclab")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return packageRoot.appendingPathComponent(".build/debug/reclab")
    }

    public struct CommandResult {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        /// True when the process was ended by a signal (a crash, or the memory bound of `runReclabBounded`).
        public var killedBySignal = false
    }

    /// Runs `reclab` as hostile-input tests do: under a virtual-memory bound (`ulimit -v`, so an input
    /// that makes RecLab allocate without limit ends it by a signal instead of exhausting the machine) and
    /// in `currentDirectory`, so a test can check that nothing was written anywhere else.
    @discardableResult
    public static func runReclabBounded(_ arguments: [String], memoryMiB: Int = hostileInputMemoryMiB,
                                        environment: [String: String] = [:], currentDirectory: URL) throws -> CommandResult {
        // `exec` keeps reclab's own exit status and signal; the shell only sets the limit.
        let script = "ulimit -v \(memoryMiB * 1024) && exec \"$0\" \"$@\""
        return try run(URL(fileURLWithPath: "/bin/sh"), ["-c", script, reclabBinary.path] + arguments,
                environment: environment, currentDirectory: currentDirectory)
    }

    /// The memory bound hostile-input tests run RecLab under (virtual memory, MiB): well above what the
    /// small inputs of those tests need, far below what an unbounded expansion would take.
    public static let hostileInputMemoryMiB = 2048

    /// Every file and folder below `root` (relative paths, sorted): compare before and after a command to
    /// prove it wrote nothing where it should not.
    public static func tree(_ root: URL) -> [String] {
        let base = root.resolvingSymlinksInPath().path
        guard let e = FileManager.default.enumerator(atPath: base) else { return [] }
        return e.compactMap { $0 as? String }.sorted()
    }

    /// Runs `reclab` with arguments and an optional environment overlay.
    @discardableResult
    public static func runReclab(_ arguments: [String], environment: [String: String] = [:],
                                 currentDirectory: URL? = nil) throws -> CommandResult {
        try run(reclabBinary, arguments, environment: environment, currentDirectory: currentDirectory)
    }

    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:],
                           currentDirectory: URL? = nil) throws -> CommandResult {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        if let currentDirectory { p.currentDirectoryURL = currentDirectory }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes concurrently so a full pipe cannot block the child.
        // @unchecked Sendable: written once by the background block and read only after `group.wait()`.
        final class Collected: @unchecked Sendable { var data = Data() }
        let errData = Collected()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errData.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return CommandResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData.data, as: UTF8.self),
                             killedBySignal: p.terminationReason == .uncaughtSignal)
    }

    /// A small hand-made dataset: `users` users, `movies` movies, the given (user, movie, rating, time)
    /// rows with users and movies numbered from 1. Useful for strategy, split and metric tests.
    public static func tinyContent(users: Int, movies: Int, ratings: [(Int, Int, Float, Int64)],
                                   genres: [Int: [String]] = [:]) -> DatasetContent {
        let movieRecords = (1...movies).map {
            MovieRecord(id: Int64($0), title: "Movie \($0)", year: 2000, genres: genres[$0] ?? ["Drama"])
        }
        // Pseudonyms sort in user order so dense index = user - 1.
        let userRecords = (1...users).map { UserRecord(id: Int64($0), pseudonym: String(format: "u%04d", $0)) }
        let rows = ratings.map { InteractionRecord(userId: Int64($0.0), movieId: Int64($0.1), timestamp: $0.3, rating: $0.2) }
        return DatasetContent(name: "tiny", source: "test", movies: movieRecords, users: userRecords, interactions: rows)
    }
}
