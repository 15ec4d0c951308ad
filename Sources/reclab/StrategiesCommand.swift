import ArgumentParser
import RecLabCore
import RecLabStrategies

/// `reclab strategies`: the strategy catalogue with parameters and defaults.
struct StrategiesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strategies",
        abstract: "List the recommendation strategies, their parameters and defaults.",
        discussion: """
            Use the type names and parameter names shown here in the `strategies:` list of an experiment config; \
            a parameter left out takes the default shown, and a list of values is a grid.

            Examples:
              reclab strategies              # every strategy
              reclab strategies item-knn     # one strategy's parameters
              reclab strategies --markdown   # the reference tables of docs/strategies.md

            In an experiment config:
              strategies:
                - {name: knn, type: item-knn, params: {k: [20, 50], similarity: cosine}}
            """
    )

    @Argument(help: "Show only this strategy type.")
    var type: String?

    @Flag(help: "Print the reference as Markdown tables (the generated part of docs/strategies.md).")
    var markdown = false

    func run() throws {
        try reportingErrors {
            var types = StrategyRegistry.types
            if let type {
                guard let t = StrategyRegistry.type(named: type) else {
                    throw RecLabError.usage("unknown strategy type '\(type)'; known types: \(StrategyRegistry.typeNames.joined(separator: ", "))")
                }
                types = [t]
            }
            // Both forms are generated from the strategies' parameter declarations.
            print(markdown ? StrategyCatalogue.markdown(types) : StrategyCatalogue.text(types), terminator: "")
        }
    }
}
