import Foundation
import RecLabCore
import RecLabResults
import RecLabStats

/// Statistics of an interleaving experiment. The unit is the user (Chapelle, Joachims, Radlinski and Yue,
/// "Large-scale validation and analysis of interleaved search evaluation", ACM TOIS 30, 2012, aggregate per
/// query or user; Netflix aggregates per member): a user prefers team a over team b when a's credited plays
/// (or minutes) over the whole experiment exceed b's. Δ = (wins − losses)/(wins + losses + ties) is the mean
/// of the per-user score d ∈ {+1, −1, 0}, with a normal-approximation CI from the variance of d; significance
/// by the exact binomial sign test over users with a preference (Dixon and Mood 1946); Holm over the pairs
/// when more than two strategies are multileaved.
public enum InterleavingAnalysis {
    /// Per-user credit of each team: users (dense indices, ascending) and credits[user row][team].
    public struct Credits: Sendable {
        public var users: [Int]
        public var credits: [[Double]]
    }

    /// Totals per user up to and including experiment day `lastDay` (all days when nil).
    public static func credits(_ visits: [TeamVisitCredit], teams: Int, credit: InterleavingCredit, lastDay: Int? = nil) -> Credits {
        var byUser: [Int: [Double]] = [:]
        for v in visits where lastDay == nil || Int(v.day) <= lastDay! {
            var c = byUser[Int(v.user)] ?? [Double](repeating: 0, count: teams)
            for t in 0..<teams { c[t] += Double(credit == .plays ? v.plays[t] : v.minutes[t]) }
            byUser[Int(v.user)] = c
        }
        let users = byUser.keys.sorted()
        return Credits(users: users, credits: users.map { byUser[$0]! })
    }

    /// Per-user scores d_u ∈ {+1, −1, 0} of team a against team b.
    public static func scores(_ c: Credits, a: Int, b: Int) -> [Int8] {
        c.credits.map { $0[a] > $0[b] ? 1 : ($0[a] < $0[b] ? -1 : 0) }
    }

    public struct PairTest: Sendable {
        public var wins: Int, losses: Int, ties: Int
        public var preference: Double, ciLow: Double, ciHigh: Double, pValue: Double
    }

    /// Δ with a normal CI at `1 − alpha`, and the sign test, from per-user scores.
    public static func test(_ d: [Int8], alpha: Double) -> PairTest {
        var w = 0, l = 0
        for x in d { if x > 0 { w += 1 } else if x < 0 { l += 1 } }
        return test(wins: w, losses: l, ties: d.count - w - l, alpha: alpha)
    }

    public static func test(wins w: Int, losses l: Int, ties t: Int, alpha: Double) -> PairTest {
        let n = Double(w + l + t)
        guard n > 0 else { return PairTest(wins: 0, losses: 0, ties: 0, preference: .nan, ciLow: .nan, ciHigh: .nan, pValue: .nan) }
        let delta = Double(w - l) / n
        // Sample variance of d: (Σd² − nΔ²) / (n − 1), with Σd² = wins + losses.
        let variance = n > 1 ? max(0, (Double(w + l) - n * delta * delta) / (n - 1)) : .nan
        let half = Normal.quantile(1 - alpha / 2) * (variance / n).squareRoot()
        return PairTest(wins: w, losses: l, ties: t, preference: delta, ciLow: delta - half, ciHigh: delta + half,
                        pValue: SignTest(wins: w, losses: l).pValue)
    }

    /// Every pair (a < b in config order), Holm-adjusted; the daily cumulative preference of each pair.
    static func analyse(_ r: SimulationResult, config: InterleavingConfig) -> (users: Int, pairs: [InterleavingPair], daily: [InterleavingDaily]) {
        let names = config.teams.map(\.name), m = names.count
        let all = credits(r.teamVisits, teams: m, credit: config.credit)
        var pairs: [InterleavingPair] = []
        var pairIndex: [(Int, Int)] = []
        for a in 0..<m { for b in (a + 1)..<m { pairIndex.append((a, b)) } }
        for (a, b) in pairIndex {
            let t = test(scores(all, a: a, b: b), alpha: config.alpha)
            pairs.append(InterleavingPair(a: names[a], b: names[b], wins: t.wins, losses: t.losses, ties: t.ties,
                                          preference: t.preference, ciLow: t.ciLow, ciHigh: t.ciHigh, pValue: t.pValue,
                                          pAdjusted: t.pValue, significant: false, winner: nil))
        }
        let adjusted = MultipleTesting.holm(pairs.map(\.pValue))
        for k in pairs.indices {
            pairs[k].pAdjusted = adjusted[k]
            pairs[k].significant = adjusted[k] < config.alpha
            if pairs[k].significant { pairs[k].winner = pairs[k].preference > 0 ? pairs[k].a : pairs[k].b }
        }
        var daily: [InterleavingDaily] = []
        for day in 0..<config.simulation.days {
            let c = credits(r.teamVisits, teams: m, credit: config.credit, lastDay: day)
            for (a, b) in pairIndex {
                let t = test(scores(c, a: a, b: b), alpha: config.alpha)
                daily.append(InterleavingDaily(day: day, a: names[a], b: names[b], users: c.users.count, preference: t.preference,
                                               ciLow: t.ciLow, ciHigh: t.ciHigh, pValue: t.pValue))
            }
        }
        return (all.users.count, pairs, daily)
    }
}

/// What `reclab simulate` writes for a `kind: interleaving` config.
public struct InterleavingRunOutput {
    public var document: InterleavingResults
    public var json: Data
    public var csv: String
    public var log: ImpressionLog?
}

/// Runs an interleaving config end to end, through the A/B simulator's visit, page and behaviour model.
public enum InterleavingRunner {
    public static func run(config: InterleavingConfig, configText: String, configPath: String?, world: LoadedWorld,
                           context: RunContext = RunContext(), keepLog: Bool = false) throws -> InterleavingRunOutput {
        try context.bound {
            var settings = config.simulation
            settings.keepLog = keepLog
            let sim = try ABSimulator(dataset: world.dataset, content: world.content, world: world.behaviour, settings: settings)
            let reporter = context.showsProgress ? context.progress("interleave", total: settings.days) : nil
            let result: SimulationResult
            do { result = try sim.run(progress: reporter) } catch let e as RecLabError { throw e.located(file: configPath) }
            let analysis = InterleavingAnalysis.analyse(result, config: config)
            guard analysis.users >= 2 else {
                throw RecLabError(.data, "only \(analysis.users) users visited in \(settings.days) days; an interleaving test needs at least 2. Use a world with more users or more days",
                                  file: configPath, key: "days")
            }
            let teamPlays = (0..<config.teams.count).map { t in result.teamVisits.reduce(0.0) { $0 + Double($1.plays[t]) } }
            let teamMinutes = (0..<config.teams.count).map { t in result.teamVisits.reduce(0.0) { $0 + Double($1.minutes[t]) } }
            let teams = config.teams.enumerated().map { t, spec in
                InterleavingTeam(name: spec.name, strategy: spec.type, parameters: spec.parameters.values.mapValues(\.description),
                                 impressions: result.teamImpressions[t], creditedPlays: teamPlays[t], creditedMinutes: teamMinutes[t])
            }
            let configHash = SHA256.hexDigest(configText)
            let provenance = Provenance(configPath: configPath, configHash: configHash, configText: configText,
                                        seed: config.simulation.seed, reclabVersion: context.reclabVersion,
                                        gitCommit: context.gitCommit, createdAt: nil,
                                        dataset: DatasetCard(summarizing: world.dataset, synthetic: true))
            let runId = ResultJSON.runId(kind: "interleaving", configHash: configHash, datasetHash: world.dataset.contentHash,
                                         seed: config.simulation.seed)
            let doc = InterleavingResults(runId: runId, name: config.name, provenance: provenance, days: settings.days,
                                          alpha: config.alpha, world: world.kind, method: config.method, credit: config.credit.rawValue,
                                          users: analysis.users, teams: teams, pairs: analysis.pairs, daily: analysis.daily,
                                          assumptions: assumptions(config))
            let json = try ResultJSON.encoder().encode(doc)
            return InterleavingRunOutput(document: doc, json: json, csv: csv(doc), log: keepLog ? result.log : nil)
        }
    }

    /// The simulation's and the test's assumptions, stated in the report.
    static func assumptions(_ c: InterleavingConfig) -> [String] {
        let rows = c.simulation.page.rows.map(\.rawValue).joined(separator: ", ")
        return [
            "Every user sees one page (rows: \(rows)); its personalised rows (top-picks, genre) are merged by \(c.method == "team-draft" ? "team-draft interleaving (Radlinski, Kurup and Joachims, CIKM 2008)" : "team-draft multileaving (Schuth et al., CIKM 2014)"); the other rows come from row sources shared by all strategies and credit nobody.",
            "A play is credited to the strategy that contributed the title; a user prefers a strategy when its credited \(c.credit == .plays ? "plays" : "watch minutes") over the \(c.simulation.days) days exceed the other's (equal, including none: a tie).",
            "Users examine tiles with the same position-based click model as A/B runs and play by true affinity; the strategies are retrained every \(c.simulation.retrainEvery) days on every logged play (one shared log: all users see the interleaved page).",
            "Significance: exact two-sided sign test over users with a preference (ties dropped); Δ = (wins − losses)/(wins + losses + ties) with a normal CI; Holm over the \(c.teams.count * (c.teams.count - 1) / 2) pair(s).",
        ]
    }

    /// One row per pair (kind `pair`), then one per team (kind `team`).
    public static func csv(_ d: InterleavingResults) -> String {
        func f(_ x: Double) -> String { x.isFinite ? String(format: "%.10g", x) : (x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf")) }
        var lines = ["kind,a,b,wins,losses,ties,preference,ci_low,ci_high,p_value,p_adjusted,significant,impressions,credited_plays,credited_minutes"]
        for p in d.pairs {
            lines.append("pair,\(p.a),\(p.b),\(p.wins),\(p.losses),\(p.ties),\(f(p.preference)),\(f(p.ciLow)),\(f(p.ciHigh)),\(f(p.pValue)),\(f(p.pAdjusted)),\(p.significant),,,")
        }
        for t in d.teams {
            lines.append("team,\(t.name),,,,,,,,,,,\(t.impressions),\(f(t.creditedPlays)),\(f(t.creditedMinutes))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The run as the recorder stores and writes it: `interleaving.json`, `interleaving.csv` and, when kept,
    /// `impressions.csv` (the A/B log format; the `arm` column holds the team that contributed the title).
    public static func recorded(_ output: InterleavingRunOutput) -> RecordedRun {
        let d = output.document
        var files: [(name: String, data: Data)] = [("interleaving.json", output.json), ("interleaving.csv", Data(output.csv.utf8))]
        if let log = output.log { files.append(("impressions.csv", Data(ABRunner.impressionsCSV(log, arms: d.teams.map(\.name)).utf8))) }
        let rows = d.pairs.map {
            RunMetricRow(subject: "\($0.a) vs \($0.b)", metric: "preference",
                         fold: nil, summary: MetricSummary(mean: $0.preference, ciLow: $0.ciLow, ciHigh: $0.ciHigh, n: $0.wins + $0.losses + $0.ties))
        }
        return RecordedRun(id: d.runId, kind: "interleaving", name: d.name, provenance: d.provenance, document: output.json,
                           metrics: rows, userValues: [], files: files)
    }
}
