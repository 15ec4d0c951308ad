import ArgumentParser
import RecLabCore

@main
struct Reclab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reclab",
        abstract: "RecLab: recommender-system simulation and evaluation lab.",
        discussion: """
            Typical flow: get data (import or generate), evaluate strategies offline (run), \
            simulate an A/B test (simulate, ope), then report and gate (report, check).
            Every command takes --help.
            """,
        version: RecLabVersion.string,
        subcommands: [
            ImportCommand.self, GenerateCommand.self, InspectCommand.self,
            StrategiesCommand.self, RunCommand.self, RunsCommand.self,
            SimulateCommand.self, OpeCommand.self, ValidateCommand.self,
            ReportCommand.self, CheckCommand.self, BaselineCommand.self,
        ]
    )
}
