import ArgumentParser
import RecLabCore

// PLACEHOLDER: replaced by the issue that implements `reclab ope`.
struct OpeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ope", abstract: "(not implemented yet)")

    func run() throws {
        try reportingErrors { throw RecLabError.usage("'reclab ope' is not implemented yet") }
    }
}
