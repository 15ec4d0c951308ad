import Foundation
import RecLabResults

extension ConsoleTables {
    /// The printed table of an interleaving run: one line per pair, then each strategy's share of the drafted slots.
    public static func interleaving(_ d: InterleavingResults) -> String {
        var out = "Interleaving '\(d.name)' (\(d.method), credit \(d.credit)): \(d.users) users, \(d.days) days\n"
        out += "pair                              wins  losses    ties   preference [95% CI]        sign p    Holm p  winner\n"
        for p in d.pairs {
            out += "\(p.a) vs \(p.b)".padding(toLength: 32, withPad: " ", startingAt: 0)
                + String(format: "%6d  %6d  %6d   %+.4f [%+.4f, %+.4f]  %8.2g  %8.2g  ", p.wins, p.losses, p.ties, p.preference,
                         p.ciLow, p.ciHigh, p.pValue, p.pAdjusted) + (p.winner ?? "-") + "\n"
        }
        let total = max(1, d.teams.reduce(0) { $0 + $1.impressions })
        for t in d.teams {
            out += "  \(t.name): " + String(format: "%.1f%% of drafted impressions, %.0f credited plays, %.0f credited minutes",
                                            100 * Double(t.impressions) / Double(total), t.creditedPlays, t.creditedMinutes) + "\n"
        }
        return out
    }

    /// The sequential block of an A/B run: the day each comparison could stop.
    public static func sequential(_ s: SequentialResults) -> String {
        var out = "Sequential test (\(s.method), alpha \(s.alpha)): day each comparison could stop\n"
        for m in s.metrics {
            out += "  " + "\(m.metric) (\(m.arm)\(m.cuped ? ", CUPED" : ""))".padding(toLength: 40, withPad: " ", startingAt: 0)
                + "alone: " + (m.stopDay.map { "day \($0)" } ?? "never").padding(toLength: 8, withPad: " ", startingAt: 0)
                + "  with Holm: " + (m.holmStopDay.map { "day \($0)" } ?? "never") + "\n"
        }
        return out
    }
}
