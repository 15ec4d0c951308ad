import ArgumentParser
import RecLabCore

// PLACEHOLDER: replaced by the issue that implements `reclab generate`.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "(not implemented yet)")

    func run() throws {
        try reportingErrors { throw RecLabError.usage("'reclab generate' is not implemented yet") }
    }
}
