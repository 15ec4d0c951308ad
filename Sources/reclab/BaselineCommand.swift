import ArgumentParser
import RecLabCore

// PLACEHOLDER: replaced by the issue that implements `reclab baseline`.
struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "baseline", abstract: "(not implemented yet)")

    func run() throws {
        try reportingErrors { throw RecLabError.usage("'reclab baseline' is not implemented yet") }
    }
}
