import ArgumentParser
import RecLabCore

// PLACEHOLDER: replaced by the issue that implements `reclab simulate`.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "simulate", abstract: "(not implemented yet)")

    func run() throws {
        try reportingErrors { throw RecLabError.usage("'reclab simulate' is not implemented yet") }
    }
}
