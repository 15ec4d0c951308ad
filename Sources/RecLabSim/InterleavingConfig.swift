import Foundation
import RecLabConfig
import RecLabCore
import RecLabPlan
import RecLabStrategies

/// Which experiment a `reclab simulate` config describes: its optional top-level `kind` (default `ab`).
public enum SimulationKind: String, Sendable, CaseIterable {
    case ab
    case interleaving

    /// The kind of a config text (reads only `kind`; the rest is checked by the kind's own parser).
    public static func of(_ text: String, file: String?) throws -> SimulationKind {
        let root = try ConfigNode.parse(text, file: file).map()
        guard let n = root.optional("kind") else { return .ab }
        let s = try n.string()
        guard let kind = SimulationKind(rawValue: s) else {
            throw n.error("unknown simulation kind '\(s)'; expected one of: \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return kind
    }

    /// Consumes `kind` in a config parsed as `kind`, so a config of another kind is refused by name.
    static func expect(_ kind: SimulationKind, in root: ConfigMap) throws {
        guard let n = root.optional("kind") else { return }
        let s = try n.string()
        guard s == kind.rawValue else {
            throw n.error("this parser reads 'kind: \(kind.rawValue)' configs, got '\(s)'")
        }
    }
}

extension ABConfig {
    /// The `page:` block shared by A/B and interleaving configs (rows, slots, examination curve, plays per visit).
    static func parsePage(_ root: ConfigMap) throws -> PageLayout {
        var page = PageLayout()
        guard let pn = root.optional("page") else { return page }
        let p = try pn.map()
        if let rn = p.optional("rows") {
            let list = try rn.list()
            guard !list.isEmpty else { throw rn.error("needs at least one row") }
            guard list.count <= maxPageRows else { throw rn.error("at most \(maxPageRows) rows, got \(list.count)") }
            page.rows = try list.map { node in
                let s = try node.string()
                guard let kind = RowKind(rawValue: s) else {
                    throw node.error("unknown row kind '\(s)'; expected one of: \(RowKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return kind
            }
        }
        if let n = p.optional("slots") {
            page.slots = try n.int()
            guard (1...100).contains(page.slots) else { throw n.error("must be in 1...100") }
        }
        for (key, path) in [("eta_row", \PageLayout.etaRow), ("eta_slot", \PageLayout.etaSlot)] {
            if let n = p.optional(key) {
                let v = try n.double()
                guard v >= 0 && v <= 10 else { throw n.error("must be in 0...10") }
                page[keyPath: path] = v
            }
        }
        if let n = p.optional("max_plays_per_visit") {
            page.maxPlaysPerVisit = try n.int()
            guard (1...100).contains(page.maxPlaysPerVisit) else { throw n.error("must be in 1...100") }
        }
        try p.finish()
        return page
    }
}

/// How an A/B test's daily looks are tested (`analysis.sequential`).
public enum SequentialMethod: String, Sendable, CaseIterable {
    /// The fixed-horizon analysis only (no daily decisions).
    case none
    /// Always-valid confidence sequence (Howard et al. 2021; GrowthBook's parameterisation).
    case confidenceSequence = "confidence-sequence"
    /// Group-sequential test, Lan-DeMets O'Brien-Fleming-type spending.
    case obrienFleming = "obrien-fleming"
    /// Group-sequential test, Lan-DeMets Pocock-type spending.
    case pocock

    /// Range of `analysis.sequential_tuning` (N*, in users).
    public static let tuningRange = 1.0...1e9

    /// Reads `sequential` and `sequential_tuning` from an `analysis:` block.
    static func parse(_ a: ConfigMap) throws -> (SequentialMethod, Double?) {
        var method = SequentialMethod.none
        if let n = a.optional("sequential") {
            let s = try n.string()
            guard let m = SequentialMethod(rawValue: s) else {
                throw n.error("unknown sequential method '\(s)'; expected one of: \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            method = m
        }
        var tuning: Double? = nil
        if let n = a.optional("sequential_tuning") {
            let v = try n.double()
            guard tuningRange.contains(v) else { throw n.error("must be in \(Int(tuningRange.lowerBound))...\(Int(tuningRange.upperBound)) users, got \(v)") }
            guard method == .confidenceSequence else { throw n.error("sequential_tuning applies only to 'sequential: confidence-sequence'") }
            tuning = v
        }
        return (method, tuning)
    }
}

/// Team-draft interleaving (F. Radlinski, M. Kurup and T. Joachims, "How does clickthrough data reflect
/// retrieval quality?", CIKM 2008) and its multileaved form for more than two rankers, team-draft
/// multileaving (A. Schuth, F. Sietsma, S. Whiteson, D. Lefortier and M. de Rijke, "Multileaved comparisons
/// for fast online evaluation", CIKM 2014): teams pick in rounds; in each round every team picks once, in a
/// uniformly random order, its highest-ranked title not yet in the list; each title remembers its team. For
/// two teams this is exactly TDI's rule (the team with fewer picks goes next, a fair coin breaks a tie).
public enum TeamDraft {
    /// A merged list of at most `length` titles with the contributing team of each. A team whose ranking runs
    /// out drops from later rounds.
    public static func merge(rankings: [[Int32]], length: Int, rng: inout SeededRandom) -> [(item: Int32, team: Int)] {
        var out: [(item: Int32, team: Int)] = []
        var taken = Set<Int32>()
        var next = [Int](repeating: 0, count: rankings.count)
        var order = Array(rankings.indices)
        while out.count < length {
            // A random order of the teams for this round (Fisher-Yates).
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(i + 1)) }
            var picked = false
            for t in order where out.count < length {
                while next[t] < rankings[t].count && taken.contains(rankings[t][next[t]]) { next[t] += 1 }
                guard next[t] < rankings[t].count else { continue }
                let item = rankings[t][next[t]]
                taken.insert(item); out.append((item, t)); picked = true
            }
            if !picked { break }
        }
        return out
    }
}

/// One experiment visit of an interleaving run: plays and minutes credited to each team.
public struct TeamVisitCredit: Sendable {
    public var day: Int32
    public var user: Int32
    public var plays: [Float]
    public var minutes: [Float]

    public init(day: Int32, user: Int32, teams: Int) {
        self.day = day; self.user = user
        plays = [Float](repeating: 0, count: teams); minutes = plays
    }
}

/// What a user's preference between two teams is judged by.
public enum InterleavingCredit: String, Sendable, CaseIterable {
    /// Plays of the titles each team contributed.
    case plays
    /// Minutes watched of them (Netflix's interleaving credits viewing hours).
    case watchMinutes = "watch_minutes"
}

/// A parsed `kind: interleaving` config.
public struct InterleavingConfig: Sendable {
    public var name: String
    public var dataset: DatasetBlock
    /// One arm (every user sees the interleaved page) and `teams`, the strategies compared.
    public var simulation: SimulationSettings
    public var alpha: Double
    public var credit: InterleavingCredit

    /// Most strategies a page interleaves.
    public static let maxTeams = 8

    public var teams: [ArmSpec] { simulation.teams }
    /// `team-draft` for two strategies, `team-draft-multileaving` for more.
    public var method: String { teams.count == 2 ? "team-draft" : "team-draft-multileaving" }

    /// Reads and validates a config (strategies included); every error names the file, line and key.
    /// `strategies`: the types it may name (the application layer's `SimulationStrategies.catalogue`).
    public static func parse(_ text: String, file: String?, strategies: WorldStrategies) throws -> InterleavingConfig {
        let root = try ConfigNode.parse(text, file: file).map()
        try SimulationKind.expect(.interleaving, in: root)
        let header = try ConfigHeader.read(root, what: "the interleaving experiment name", simulatesWorld: true)
        func count(_ key: String, _ def: Int, min lower: Int) throws -> Int {
            guard let n = root.optional(key) else { return def }
            let v = try n.int()
            guard v >= lower && v <= ABConfig.maxDays else { throw n.error("must be in \(lower)...\(ABConfig.maxDays), got \(v)") }
            return v
        }
        let days = try count("days", 14, min: 1)
        let retrain = try count("retrain_every", 1, min: 0)
        let page = try ABConfig.parsePage(root)
        guard page.rows.contains(where: { $0 == .topPicks || $0 == .genre }) else {
            throw (root.optional("page") ?? root.optional("name")!).error("an interleaving page needs a personalised row (top-picks or genre) to interleave")
        }

        let listNode = try root.required("strategies")
        let list = try listNode.list()
        guard list.count >= 2 else { throw listNode.error("interleaving needs at least two strategies, got \(list.count)") }
        guard list.count <= maxTeams else { throw listNode.error("at most \(maxTeams) strategies, got \(list.count)") }
        guard page.slots >= list.count else {
            throw listNode.error("\(list.count) strategies cannot each place a title in a row of \(page.slots) slots; raise page.slots")
        }
        var teams: [ArmSpec] = []
        var names = Set<String>()
        for node in list {
            let a = try node.map()
            let nameNode = try a.required("name")
            let teamName = try SafeName.validate(try nameNode.string(), what: "the strategy name", file: nameNode.file,
                                                 line: nameNode.line, key: nameNode.path)
            guard names.insert(teamName).inserted else { throw nameNode.error("strategy names must be unique: '\(teamName)' is used twice") }
            let typeNode = try a.required("strategy")
            let type = try typeNode.string()
            var params = Parameters(file: file)
            if let pn = a.optional("params") {
                for e in try pn.map().entriesAll() {
                    params.values[e.key] = try e.node.paramValue()
                    params.lines[e.key] = e.line
                }
            }
            try a.finish()
            try validateStrategy(type: type, parameters: params, node: typeNode, strategies: strategies)
            teams.append(ArmSpec(name: teamName, type: type, parameters: params))
        }

        var alpha = 0.05
        var credit = InterleavingCredit.plays
        if let an = root.optional("analysis") {
            let a = try an.map()
            if let n = a.optional("alpha") {
                alpha = try n.double()
                guard alpha > 0 && alpha < 1 else { throw n.error("must be in (0, 1), got \(alpha)") }
            }
            if let n = a.optional("credit") {
                let s = try n.string()
                guard let c = InterleavingCredit(rawValue: s) else {
                    throw n.error("unknown credit '\(s)'; expected one of: \(InterleavingCredit.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                credit = c
            }
            try a.finish()
        }
        try root.finish()

        // One arm: everybody sees the interleaved page; its strategy (the first team) fills the rows no team drafts.
        var settings = SimulationSettings(seed: header.seed, days: days, preDays: 0, retrainEvery: retrain, trainingScope: .shared,
                                          salt: header.name, page: page, arms: [ArmSpec(name: "interleaved", type: teams[0].type,
                                                                                        parameters: teams[0].parameters)],
                                          strategies: strategies)
        settings.teams = teams
        return InterleavingConfig(name: header.name, dataset: header.dataset, simulation: settings, alpha: alpha, credit: credit)
    }
}
