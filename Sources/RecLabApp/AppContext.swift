import Foundation
import RecLabCore

/// Builds the `RunContext` of a command from its flags and the environment, once, at the edge: the only
/// place RecLab reads `RECLAB_THREADS`, the pseudonymisation key variables and the git commit.
public enum AppContext {
    /// `quiet`: no progress lines, warnings still (`AppLogging.logger`). `environment` defaults to the process's. Throws a usage error for a bad
    /// `RECLAB_THREADS`; the key variables are read when a run first needs the key.
    /// `provenance: false` skips asking git (commands that write no result document).
    public static func make(quiet: Bool, environment: [String: String] = ProcessInfo.processInfo.environment,
                            clock: RunClock = .system, provenance: Bool = true) throws -> RunContext {
        let threads = try Parallel.threadsFromEnvironment(environment) ?? Parallel.machineCores
        let budget = try memoryBudget(environment)
        return RunContext(threads: threads, log: AppLogging.logger(quiet: quiet), clock: clock, memoryBudget: budget,
                          reclabVersion: RecLabVersion.string, gitCommit: provenance ? gitCommit() : nil,
                          pseudonymKey: { try Pseudonymizer.fromEnvironment(environment) })
    }

    /// Range of `RECLAB_MEMORY_LIMIT`: 1 MB to 1 PB.
    public static let memoryLimitRange = 1_000_000...1_000_000_000_000_000

    /// `RECLAB_MEMORY_LIMIT` (bytes, or with a K/M/G/T suffix, powers of 1024: `12G`), else 80% of the
    /// machine's memory: what a run may plan to use. A usage error naming the variable when it is malformed.
    public static func memoryBudget(_ environment: [String: String],
                                    physicalMemory: UInt64 = ProcessInfo.processInfo.physicalMemory) throws -> Int {
        guard let raw = environment["RECLAB_MEMORY_LIMIT"], !raw.isEmpty else {
            return Int(min(Double(physicalMemory) * 0.8, Double(memoryLimitRange.upperBound)))
        }
        let text = raw.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = Substring(text), scale = 1
        if let last = text.last, let u = units[last] { digits = text.dropLast(); scale = u }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), digits.count <= 16,
              let n = Int(digits), case let (bytes, overflow) = n.multipliedReportingOverflow(by: scale), !overflow,
              memoryLimitRange.contains(bytes) else {
            throw RecLabError.usage("RECLAB_MEMORY_LIMIT must be a byte count, optionally with K, M, G or T (powers of 1024), between 1 MB and 1 PB; got '\(raw.prefix(40))'")
        }
        return bytes
    }

    /// The git commit of the working tree the tool runs from, when it can be found (provenance only).
    public static func gitCommit(in directory: String = FileManager.default.currentDirectoryPath) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", directory, "rev-parse", "HEAD"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        let s = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return s.isEmpty ? nil : s
    }
}
