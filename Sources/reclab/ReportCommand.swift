import ArgumentParser
import RecLabCore

// PLACEHOLDER: replaced by the issue that implements `reclab report`.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "(not implemented yet)")

    func run() throws {
        try reportingErrors { throw RecLabError.usage("'reclab report' is not implemented yet") }
    }
}
