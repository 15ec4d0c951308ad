import ArgumentParser
import RecLabCore

// PLACEHOLDER: replaced by the issue that implements `reclab run`.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "(not implemented yet)")

    func run() throws {
        try reportingErrors { throw RecLabError.usage("'reclab run' is not implemented yet") }
    }
}
