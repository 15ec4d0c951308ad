import ArgumentParser
import RecLabCore

// PLACEHOLDER: replaced by the issue that implements `reclab runs`.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "(not implemented yet)")

    func run() throws {
        try reportingErrors { throw RecLabError.usage("'reclab runs' is not implemented yet") }
    }
}
