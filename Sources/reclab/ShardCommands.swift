import ArgumentParser
import Foundation
import RecLabApp
import RecLabCore
import RecLabEval
import RecLabReport
import RecLabResults
import RecLabSim

/// `reclab plan CONFIG --out PLAN`: an offline run cut into independent units of work.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Cut an offline experiment, an A/B simulation or a validate check into independent units for run-unit and gather.",
        discussion: """
            Writes PLAN/plan.json: the config's path and SHA-256, the dataset's content hash, the seed and one \
            unit per strategy (grid point) x fold x repeat; for a config with 'tune:' (method grid or random, \
            no seconds budget), one unit per strategy x trial x validation fold, whose gather selects and refits \
            as `reclab tune` does; with --validate CHECK (aa, planted, srm, ope; CONFIG is \
            then an A/B or OPE config), one unit per seed of that `reclab validate` check, whose gather prints \
            the report `reclab validate` prints. An A/B config (one with `arms:`) gives one unit per simulated \
            world: the experiment, and with `truth: true` each arm's truth world; its gather writes the ab.json \
            `reclab simulate` writes. Each unit is run by `reclab run-unit PLAN` on any \
            machine that sees the same files (run all three commands from the same folder: the config's paths are \
            relative to it); `reclab gather PLAN` merges them into the metrics.json `reclab run` writes. A unit's \
            seeds come from the config's seed and the unit's fold and repeat, never from the order units run in. \
            See docs/scaling.md.

            Examples:
              reclab plan experiments/tiny.yaml --out out/tiny-plan
              reclab plan experiments/tune-tiny.yaml --out out/tune-tiny-plan
              reclab plan experiments/ab-tiny.yaml --validate aa --seeds 20 --out out/aa-plan
              reclab plan experiments/ab-tiny-dynamics.yaml --out out/ab-plan
            """
    )

    @Argument(help: "Experiment config (YAML).")
    var config: String

    @Option(name: .long, help: ArgumentHelp("Plan folder to write plan.json (and later the units' results) into.", valueName: "PLAN"))
    var out: String

    @Option(name: .customLong("validate"), help: ArgumentHelp("Plan a `reclab validate` check instead: aa, planted, srm or ope.", valueName: "CHECK"))
    var check: String?

    @Option(name: .long, parsing: .unconditional, help: "With --validate: number of seeds (units), \(Validation.seedsRange.lowerBound)...\(Validation.seedsRange.upperBound).")
    var seeds: Int = 200

    @Flag(name: .long, help: "With --validate: keep the config's retraining cadence.")
    var retrain = false

    @Option(name: .long, parsing: .unconditional, help: "With --validate srm: share of the treatment's users lost in the skewed case, in (0, 1).")
    var skew: Double = 0.1

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if let check, !Validation.checks.contains(check) {
            throw ValidationError("unknown check '\(check)'; expected \(Validation.checks.joined(separator: ", "))")
        }
        guard Validation.seedsRange.contains(seeds) else {
            throw ValidationError("--seeds must be between \(Validation.seedsRange.lowerBound) and \(Validation.seedsRange.upperBound), got \(seeds)")
        }
        guard skew > 0 && skew < 1 else { throw ValidationError("--skew must be in (0, 1), got \(skew)") }
    }

    func run() throws {
        try reportingErrors { try common.withContext(provenance: false) { context in
            let folder = PlanFolder(path: out)
            let plan = try check.map {
                try folder.writeValidationPlan(Validation.PlanOptions(check: $0, seeds: seeds, retrain: retrain, skew: skew),
                                               configPath: config, context: context)
            } ?? folder.writePlan(configPath: config, context: context)
            print("plan \(plan.name): \(plan.units.count) units in \(folder.manifestPath)")
            print("run them with: reclab run-unit \(out) --unit I   (I = 0 to \(plan.units.count - 1)), then: reclab gather \(out)")
        } }
    }
}

/// `reclab run-unit PLAN`: runs units of a plan and writes their partial results.
struct RunUnitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-unit",
        abstract: "Run units of a plan (reclab plan) and write each one's partial result into PLAN/units/.",
        discussion: """
            The unit index comes from --unit, else from --stdin (one index a line, as Spark's RDD.pipe sends \
            them), else --missing (every unit without a partial result yet, one after another), else from \
            SLURM_ARRAY_TASK_ID (a Slurm job array), else from JOB_COMPLETION_INDEX (a Kubernetes indexed Job). Every index is checked (a decimal number of a unit of the plan) before any \
            unit runs. The config and dataset must be unchanged since planning. Running a unit again writes the \
            same bytes (its timings go to a separate file), so a retried task is harmless. A strategy that cannot \
            be fitted is a result, not an error: it is recorded and reported by gather.

            Examples:
              reclab plan experiments/tiny.yaml --out out/tiny-plan-2
              reclab run-unit out/tiny-plan-2 --unit 0
              reclab run-unit out/tiny-plan-2 --missing
            """
    )

    @Argument(help: "Plan folder (written by reclab plan).")
    var plan: String

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Index of the unit to run.", valueName: "I"))
    var unit: String?

    @Flag(name: .long, help: "Read unit indices from standard input, one a line.")
    var stdin = false

    @Flag(name: .long, help: "Run every unit that has no partial result yet.")
    var missing = false

    @OptionGroup var common: CommonOptions

    /// Longest index text accepted (a plan has at most a million units).
    static let maxDigits = 7

    /// A unit index from untrusted text: decimal digits only, no sign, at most `maxDigits` digits.
    static func parseIndex(_ text: String, source: String) throws -> Int {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, t.count <= maxDigits, t.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }), let i = Int(t) else {
            throw RecLabError.usage("\(source): \(SafeName.printable(text)) is not a unit index (a number 0 to 9999999)")
        }
        return i
    }

    func validate() throws {
        if [unit != nil, stdin, missing].filter({ $0 }).count > 1 { throw ValidationError("give one of --unit, --stdin and --missing") }
        if let unit { _ = try Self.parseIndex(unit, source: "--unit") }
    }

    /// The indices to run, from the first source present.
    func indices() throws -> [Int] {
        if let unit { return [try Self.parseIndex(unit, source: "--unit")] }
        if stdin {
            var out: [Int] = []
            var lineNumber = 0
            while let line = readLine(strippingNewline: true) {
                lineNumber += 1
                if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                guard out.count < 1_000_000 else { throw RecLabError.usage("standard input: more than 1000000 indices") }
                out.append(try Self.parseIndex(line, source: "standard input, line \(lineNumber)"))
            }
            // An empty partition of a Spark job pipes nothing: nothing to do, not an error.
            return out
        }
        if missing { return try PlanFolder(path: plan).unitsWithoutResult() }
        let environment = ProcessInfo.processInfo.environment
        for name in ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"] {
            if let value = environment[name] { return [try Self.parseIndex(value, source: name)] }
        }
        throw RecLabError.usage("no unit given: pass --unit I or --stdin, or set SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX")
    }

    func run() throws {
        try reportingErrors { try common.withContext(provenance: false) { context in
            let indices = try indices()
            if indices.isEmpty {
                if missing { print("every unit has a partial result") }
                return
            }
            try PlanFolder(path: plan).runUnits(indices, context: context) { unit, outcome in
                // One line a unit on standard output: what RDD.pipe hands back to the Spark driver.
                print("unit \(unit.index) \(unit.id): \(outcome)")
            }
        } }
    }
}

/// `reclab gather PLAN`: merges the units' partial results into the run's result files.
struct GatherCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gather",
        abstract: "Merge the partial results of a plan's units into metrics.json (or ab.json) and the results store, as reclab run (or simulate) writes them.",
        discussion: """
            Gives the same metrics.json as `reclab run CONFIG` (apart from created_at, git_commit, \
            reclab_version and the fit/eval seconds, which are the units' own) and records the run in the results \
            store. For a plan of a tuned config, selects each strategy's trial from the units' validation scores \
            and refits the selection on the test folds on this machine, writing the metrics.json, metrics.csv and \
            trials.csv of `reclab tune` (trial and search seconds are the units' own). For a plan of an A/B config, \
            writes the ab.json, ab.csv and record of `reclab simulate CONFIG` (default DIR reports/ab/<name>). For a \
            plan of a validate check, prints the report `reclab validate` prints (and writes nothing). When any unit has no partial result, or an unusable one, every such unit is listed by index \
            and id, nothing is written and the exit status is 1.

            Examples:
              reclab gather out/tiny-plan-2 --out out/tiny-gathered
            """
    )

    @Argument(help: "Plan folder (written by reclab plan).")
    var plan: String

    @OptionGroup var destination: RunOutputOptions

    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors { try common.withContext { context in
            let folder = PlanFolder(path: plan)
            let manifest = try folder.readManifest()
            let recorder = try destination.recorder(defaultRoot: manifest.command == ABRunner.planCommand ? "reports/ab" : "reports/runs",
                                                    name: manifest.name)
            switch try folder.gather(context: context) {
            case .success(.validation(let report, let options, let config, let worldKind)):
                ValidateCommand.printReport(report, check: options.check, config: config, worldKind: worldKind, retrain: options.retrain)
            case .failure(let incomplete):
                printError("reclab: error: \(incomplete.problems.count) of \(incomplete.total) units have no usable partial result; nothing was written:")
                for p in incomplete.problems { printError("  unit \(p.unit.index) \(p.unit.id): \(p.problem)") }
                throw ExitCode(1)
            case .success(.simulation(let output)):
                try SimulateCommand.record(output, recorder: recorder, dir: destination.out ?? recorder.folder.path)
            case .success(.offline(let output)):
                try recorder.record(try ResultFiles.recorded(output))
                if let tuning = output.document.tuning {
                    print(ConsoleTables.tuning(tuning))
                    print("")
                }
                print(ConsoleTables.offline(output.document))
                print("")
                let files = output.document.tuning == nil ? "metrics.json, metrics.csv" : "metrics.json, metrics.csv, trials.csv"
                print("run \(output.document.runId): \(recorder.folder.path)/\(files); recorded in \(recorder.storePath)")
                if let failures = output.document.failures, !failures.isEmpty {
                    for f in failures { printError("reclab: error: \(f.error)") }
                    throw ExitCode(1)
                }
            }
        } }
    }
}
