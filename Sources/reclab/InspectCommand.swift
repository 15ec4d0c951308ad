import ArgumentParser
import RecLabCore

// PLACEHOLDER: replaced by the issue that implements `reclab inspect`.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "(not implemented yet)")

    func run() throws {
        try reportingErrors { throw RecLabError.usage("'reclab inspect' is not implemented yet") }
    }
}
