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
