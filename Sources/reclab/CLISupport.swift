import ArgumentParser
import Foundation
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

    func apply() {
        ProgressReporter.isEnabled = !quiet
    }
}
