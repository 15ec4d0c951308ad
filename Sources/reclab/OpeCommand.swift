import ArgumentParser
import Foundation
import RecLabApp
import RecLabCore
import RecLabReport
import RecLabResults
import RecLabSim

/// `reclab ope CONFIG`: off-policy evaluation against the on-policy truth.
struct OpeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ope",
        abstract: "Off-policy evaluation: estimate target policies from a logging policy's logs (replay, IPS, SNIPS, DM, DR).",
        discussion: """
            CONFIG is a YAML file such as experiments/ope-demo.yaml: the world (dataset), the logging policy \
            (a strategy with epsilon-greedy or softmax exploration, so every action has a known propensity), the \
            target policies (greedy, epsilon-greedy or softmax over a strategy's scores; `oracle` ranks by the \
            true affinity), `visits` logged, `candidates` per visit and `true_visits` for the on-policy truth.

            Prints each target's true value beside every estimate with its 95% interval and bias, writes \
            DIR/ope.json and records the run in DIR/results.sqlite (or --results). DIR defaults to reports/ope/<name>.

            Examples:
              reclab ope experiments/ope-tiny.yaml --out out/ope-tiny
              reclab ope experiments/ope-demo.yaml --out out/ope-demo
            """
    )

    @Argument(help: "OPE config (YAML).")
    var config: String

    @OptionGroup var destination: RunOutputOptions

    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors { try common.withContext { context in
            let (ope, text) = try OPEConfig.load(path: config)
            let recorder = try destination.recorder(defaultRoot: "reports/ope", name: ope.name)
            let dir = destination.out ?? recorder.folder.path
            context.log.info("[ope] \(ope.name): loading the world")
            let world = try DatasetSources.world(ope.dataset, context: context)
            context.log.info("[ope] \(world.kind) world '\(world.dataset.name)'; logging \(ope.visits) visits")
            let result = try OPERunner.run(config: ope, configText: text, configPath: config, world: world, context: context)
            try recorder.record(try OPERunner.recorded(result))
            print(ConsoleTables.ope(result))
            print("run \(result.runId): \(dir)/ope.json; recorded in \(recorder.storePath)")
        } }
    }
}
