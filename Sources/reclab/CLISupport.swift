import ArgumentParser
import Foundation
import RecLabApp
import RecLabCore
import RecLabStore

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
    /// for everything it calls: its threads and its progress sink (silent with --quiet).
    func withContext(provenance: Bool = true, _ body: (RunContext) throws -> Void) throws {
        let context = try AppContext.make(quiet: quiet, provenance: provenance)
        try context.bound { try body(context) }
    }
}

/// The output folder and results store of `run`, `simulate` and `ope`, checked before any work: the folder
/// (`--out`, else DEFAULT_ROOT/NAME with NAME already a valid name) must be writable or creatable, and the
/// store (`--results`, else results.sqlite in the folder) a new file or an existing RecLab results store.
func outputLocations(out: String?, defaultRoot: String, name: String, results: String?) throws -> (folder: URL, store: String) {
    let folder = try out.map { OutputFolder(path: $0).url } ?? OutputFolder(path: defaultRoot).child(name)
    try OutputLocation.checkFolder(out ?? folder.path)
    let store = try results ?? OutputFolder(url: folder).child("results.sqlite").path
    try ResultsStore.checkLocation(store, folderIsCreatedLater: results == nil)
    return (folder, store)
}
