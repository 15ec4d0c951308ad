import ArgumentParser
import RecLabCore

// PLACEHOLDER: replaced by the issue that implements `reclab check`.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "(not implemented yet)")

    func run() throws {
        try reportingErrors { throw RecLabError.usage("'reclab check' is not implemented yet") }
    }
}
