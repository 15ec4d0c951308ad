import ArgumentParser
import Foundation
import RecLabApp
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
            StrategiesCommand.self, RunCommand.self, TuneCommand.self, RunsCommand.self,
            PlanCommand.self, RunUnitCommand.self, GatherCommand.self,
            SimulateCommand.self, OpeCommand.self, ValidateCommand.self,
            ReportCommand.self, CheckCommand.self, BaselineCommand.self, ExportCommand.self,
        ]
    )

    /// ArgumentParser's own entry point, with three changes: logging is bootstrapped first (plain lines on
    /// standard error), the environment RecLab reads is checked before any command runs, and bad usage (a malformed or out-of-range flag, which ArgumentParser
    /// ends with status 64) exits with 2 like RecLab's other usage errors.
    static func main() {
        AppLogging.bootstrap()
        do {
            _ = try Parallel.threadsFromEnvironment(ProcessInfo.processInfo.environment)
        } catch {
            printError("reclab: error: \(error)")
            Foundation.exit(2)
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
