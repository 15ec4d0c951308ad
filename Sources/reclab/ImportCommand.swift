import ArgumentParser
import RecLabCore

// PLACEHOLDER: replaced by the issue that implements `reclab import`.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "(not implemented yet)")

    func run() throws {
        try reportingErrors { throw RecLabError.usage("'reclab import' is not implemented yet") }
    }
}
