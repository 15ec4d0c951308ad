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
        return RunContext(threads: threads, log: AppLogging.logger(quiet: quiet), clock: clock,
                          reclabVersion: RecLabVersion.string, gitCommit: provenance ? gitCommit() : nil,
                          pseudonymKey: { try Pseudonymizer.fromEnvironment(environment) })
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
