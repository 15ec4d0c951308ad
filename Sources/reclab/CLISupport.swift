import ArgumentParser
import Foundation
import RecLabApp
import RecLabCore

/// Runs a command body, turning RecLab errors into a one-line message on standard error
/// (`reclab: error: file:line: problem`) and a non-zero exit status.
func reportingErrors(exitCode: Int32 = 1, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as RecLabError {
        printError("reclab: error: \(e)")
        throw ExitCode(exitCode)
    }
}

/// Options every long-running command shares.
struct CommonOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Do not print progress lines.")
    var quiet = false

    /// Runs `body` with the command's run context (built once from the flags and the environment), bound
    /// for everything it calls: its threads and its logger (warnings only with --quiet).
    func withContext(provenance: Bool = true, _ body: (RunContext) throws -> Void) throws {
        let context = try AppContext.make(quiet: quiet, provenance: provenance)
        try context.bound { try body(context) }
    }
}

/// Where a run is written (`run`, `simulate`, `ope`): one option group, so the three commands take and
/// check the same flags.
struct RunOutputOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Output folder (default: reports/runs/<name>, reports/ab/<name> or reports/ope/<name> by kind).", valueName: "DIR"))
    var out: String?

    @Option(name: .long, help: ArgumentHelp("Results store to record the run in (default: DIR/results.sqlite).", valueName: "DB"))
    var results: String?

    /// The recorder for a run named `name` of the kind whose default folders are under `defaultRoot`;
    /// checks both locations before any work.
    func recorder(defaultRoot: String, name: String) throws -> RunRecorder {
        try RunRecorder.prepare(out: out, defaultRoot: defaultRoot, name: name, results: results)
    }
}
