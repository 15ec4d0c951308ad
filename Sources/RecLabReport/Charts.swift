import Foundation
import RecLabCore
import RecLabStats

/// A chart as gnuplot input: its data file and the plotting commands. `ChartRenderer` wraps the commands
/// with the PNG and SVG terminals, so NAME.gp alone redraws NAME.png and NAME.svg from NAME.dat.
public struct Chart: Sendable {
    /// File stem: `[a-z0-9-]`.
    public var name: String
    public var title: String
    /// Contents of NAME.dat.
    public var data: String
    /// gnuplot commands after the terminal set-up; refer to the data as `DATA` (replaced by 'NAME.dat').
    public var commands: String
    /// False when no value of the chart is finite (every metric undefined): gnuplot would fail on it
    /// ("x range is invalid"), so the report leaves it out and says why.
    public var hasFiniteData: Bool

    public init(name: String, title: String, data: String, commands: String, hasFiniteData: Bool = true) {
        self.name = Chart.slug(name); self.title = title; self.data = data; self.commands = commands
        self.hasFiniteData = hasFiniteData
    }

    /// A file-name-safe stem: lower case letters, digits and dashes.
    public static func slug(_ s: String) -> String {
        var out = ""
        for ch in s.lowercased() {
            if ch.isASCII && (ch.isLetter || ch.isNumber) { out.append(ch) } else if ch == "@" { out += "-at-" } else if !out.hasSuffix("-") { out.append("-") }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "chart" : out
    }

    /// The full NAME.gp text.
    public var script: String {
        let terminal = "size 1280,720 noenhanced font 'DejaVu Sans,16' linewidth 1.5"
        return """
            # RecLab chart: \(GnuplotStyle.quote(title))
            # Redraw: cd to this folder and run `gnuplot \(name).gp` (reads \(name).dat, writes \(name).png and \(name).svg).
            set terminal pngcairo \(terminal) background rgb '#ffffff'
            set output '\(name).png'
            \(GnuplotStyle.preamble)
            set title \(GnuplotStyle.quote(title)) font ',20'
            \(GnuplotStyle.replacingData(in: commands, with: GnuplotStyle.quote("\(name).dat")))
            set terminal svg \(terminal) background rgb '#ffffff'
            set output '\(name).svg'
            replot
            unset output

            """
    }
}

/// Shared look: the Okabe-Ito colour-blind-safe palette (Okabe and Ito 2008, "Color Universal Design"),
/// light grid, no mirrored tics.
public enum GnuplotStyle {
    /// Okabe-Ito, ordered so the first colours are the most distinct on white (yellow last).
    public static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000", "#F0E442"]
    /// For filled bars: the palette without black.
    public static let barPalette = palette.filter { $0 != "#000000" }

    static var preamble: String {
        var lines = [
            "set encoding utf8",
            "set datafile missing 'NaN'",
            "set border 3 lw 1 lc rgb '#444444'",
            "set tics nomirror out",
            "set grid ytics lc rgb '#dddddd' lw 1 dt 1",
            "set key noautotitle",
        ]
        // Eight colours, then the same colours dashed, so up to 16 series stay distinguishable.
        for (i, colour) in palette.enumerated() {
            lines.append("set linetype \(i + 1) lc rgb '\(colour)' lw 2 pt \([7, 5, 9, 13, 11, 15, 7, 5][i]) ps 1.3 dt 1")
            lines.append("set linetype \(i + 9) lc rgb '\(colour)' lw 2 pt \([6, 4, 8, 12, 10, 14, 6, 4][i]) ps 1.3 dt 2")
        }
        lines.append("set linetype cycle 16")
        return lines.joined(separator: "\n")
    }

    /// The one way a string enters a gnuplot script: a single-quoted gnuplot string. Inside single quotes
    /// gnuplot expands nothing (no backquote command substitution, no `@` macros, no backslash escapes;
    /// checked with gnuplot 5.4), so what needs care is the quote itself and line breaks, which would end
    /// the command and start a new one. gnuplot's own `''` escape is unreliable (a string starting with a
    /// quote, or two quotes in a row, ends early), so a quote is written as the typographic apostrophe ’;
    /// every control and line-separator character is shown as a visible `\u{X}` escape.
    public static func quote(_ s: String) -> String { "'" + visible(s).replacingOccurrences(of: "'", with: "\u{2019}") + "'" }

    /// A double-quoted data-file field (.dat). gnuplot reads backslash escapes there and cannot escape a
    /// double quote, so backslashes are doubled, double quotes become single ones and control characters
    /// are shown as escapes (a line break would start a new data row).
    public static func dataLabel(_ s: String) -> String {
        "\"" + visible(s).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "'") + "\""
    }

    /// Text for a `#` comment line of a data file: no line breaks (data-file comments do not continue).
    static func dataComment(_ s: String) -> String { visible(s) }

    /// `s` with control characters shown as visible escapes (`SafeName.visible`, the one rule for it).
    public static func visible(_ s: String) -> String { SafeName.visible(s) }

    /// `commands` with the data placeholder `DATA` replaced by `file` (already quoted) outside quoted
    /// strings only, so a title or series name that contains "DATA" stays as it is.
    static func replacingData(in commands: String, with file: String) -> String {
        var out = ""
        var quote: Character?
        var i = commands.startIndex
        while i < commands.endIndex {
            let ch = commands[i]
            if let q = quote {
                if ch == q { quote = nil }
            } else if ch == "'" || ch == "\"" {
                quote = ch
            } else if commands[i...].hasPrefix("DATA") {
                out += file
                i = commands.index(i, offsetBy: 4)
                continue
            }
            out.append(ch)
            i = commands.index(after: i)
        }
        return out
    }

    /// A data value: exact, NaN for missing.
    static func value(_ x: Double) -> String { x.isFinite ? NumberFormat.exact(x) : "NaN" }

    /// The interval drawn around a finite value: an undefined bound (one user, no variance) becomes the
    /// value itself, so the point is drawn without an error bar instead of being dropped as missing
    /// (gnuplot skips a row with any NaN column, and fails when it skips them all).
    static func interval(_ value: Double, _ low: Double, _ high: Double) -> (low: Double, high: Double) {
        guard value.isFinite else { return (low, high) }
        return (low.isFinite ? low : value, high.isFinite ? high : value)
    }

    static func colour(_ series: Int) -> String { palette[series % palette.count] }
}

/// One bar of a grouped bar chart: mean and CI.
public struct BarValue: Sendable {
    public var mean: Double
    public var low: Double
    public var high: Double
    public init(mean: Double, low: Double, high: Double) { self.mean = mean; self.low = low; self.high = high }
}

/// A named series of points for line charts.
public struct Series: Sendable {
    public var name: String
    /// (x, y, y low, y high); low/high NaN when there is no interval.
    public var points: [(x: Double, y: Double, low: Double, high: Double)]
    public init(name: String, points: [(x: Double, y: Double, low: Double, high: Double)]) { self.name = name; self.points = points }
}

public enum ChartBuilder {
    /// Grouped bars: one group per label on the x axis, one coloured bar per series, CI error bars.
    /// `values[s][g]` is series s in group g (nil = missing).
    public static func groupedBars(name: String, title: String, ylabel: String, groups: [String], series: [String],
                                   values: [[BarValue?]]) -> Chart {
        var data = "# group" + series.map { " \"\(GnuplotStyle.dataComment($0))\" low high" }.joined() + "\n"
        for (g, group) in groups.enumerated() {
            var line = GnuplotStyle.dataLabel(group)
            for s in series.indices {
                if let v = values[s][g] {
                    let ci = GnuplotStyle.interval(v.mean, v.low, v.high)
                    line += " \(GnuplotStyle.value(v.mean)) \(GnuplotStyle.value(ci.low)) \(GnuplotStyle.value(ci.high))"
                } else {
                    line += " NaN NaN NaN"
                }
            }
            data += line + "\n"
        }
        let all = values.flatMap { $0.compactMap { $0 } }
        let nonNegative = all.allSatisfy { $0.mean >= 0 && ($0.low >= 0 || !$0.low.isFinite) }
        var commands = """
            set style data histogram
            set style histogram errorbars gap 2 lw 1.5
            set style fill solid 0.85 border rgb '#333333'
            set boxwidth 0.92
            set errorbars lc rgb '#222222'
            set ylabel \(GnuplotStyle.quote(ylabel))
            set xtics scale 0
            set key outside below center horizontal maxcols 4 samplen 2 reverse Left
            """
        if nonNegative { commands += "\nset yrange [0:*]" }
        let clauses = series.indices.map { s -> String in
            let c = 2 + 3 * s
            let source = s == 0 ? "DATA" : "''"
            let xtic = s == 0 ? ":xtic(1)" : ""
            // Bars skip black (its error bars would vanish); beyond seven series the colours repeat hatched.
            let colours = GnuplotStyle.barPalette
            return "\(source) using \(c):\(c + 1):\(c + 2)\(xtic) title \(GnuplotStyle.quote(series[s])) lt 1 lc rgb '\(colours[s % colours.count])'" +
                (s >= colours.count ? " fill pattern \(s / colours.count + 3)" : "")
        }
        commands += "\nplot " + clauses.joined(separator: ", \\\n     ")
        return Chart(name: name, title: title, data: data, commands: commands, hasFiniteData: all.contains { $0.mean.isFinite })
    }

    /// One bar per item (strategy) with its CI, each in its series colour (the same colours as the grouped
    /// bars, so a strategy keeps its colour across charts); labels on the x axis.
    public static func bars(name: String, title: String, ylabel: String, items: [(label: String, value: BarValue, series: Int)]) -> Chart {
        var data = "# x label mean low high colour\n"
        for (i, item) in items.enumerated() {
            let colour = GnuplotStyle.barPalette[item.series % GnuplotStyle.barPalette.count]
            let rgb = Int(colour.dropFirst(), radix: 16) ?? 0
            let ci = GnuplotStyle.interval(item.value.mean, item.value.low, item.value.high)
            data += "\(i) \(GnuplotStyle.dataLabel(item.label)) \(GnuplotStyle.value(item.value.mean)) \(GnuplotStyle.value(ci.low)) \(GnuplotStyle.value(ci.high)) \(rgb)\n"
        }
        let values = items.flatMap { [$0.value.mean, $0.value.low] }.filter(\.isFinite)
        let longLabels = items.contains { $0.label.count > 12 }
        var commands = """
            set ylabel \(GnuplotStyle.quote(ylabel))
            set style fill solid 0.85 border rgb '#333333'
            set boxwidth 0.7
            set xtics scale 0\(longLabels ? " rotate by -25 left" : "")
            set xrange [-0.6:\(Double(items.count) - 0.4)]
            """
        if values.allSatisfy({ $0 >= 0 }) { commands += "\nset yrange [0:*]" }
        commands += """

            plot DATA using 1:3:6:xtic(2) with boxes lc rgb variable notitle, \\
                 '' using 1:3:4:5 with yerrorbars lc rgb '#222222' pt 0 lw 1.5 notitle
            """
        return Chart(name: name, title: title, data: data, commands: commands, hasFiniteData: items.contains { $0.value.mean.isFinite })
    }

    /// Lines with points and CI error bars, one series per line, x numeric.
    public static func lines(name: String, title: String, xlabel: String, ylabel: String, series: [Series],
                             xtics: [Double]? = nil, logX: Bool = false, errorBars: Bool = true) -> Chart {
        var data = ""
        for s in series {
            data += "# \(GnuplotStyle.dataComment(s.name))\n# x y low high\n"
            for p in s.points {
                let ci = GnuplotStyle.interval(p.y, p.low, p.high)
                data += "\(GnuplotStyle.value(p.x)) \(GnuplotStyle.value(p.y)) \(GnuplotStyle.value(ci.low)) \(GnuplotStyle.value(ci.high))\n"
            }
            data += "\n\n"
        }
        let allX = series.flatMap { $0.points.map(\.x) }
        let integerX = !allX.isEmpty && allX.allSatisfy { $0 == $0.rounded() }
        let xRange = (allX.max() ?? 0) - (allX.min() ?? 0)
        var commands = """
            set xlabel \(GnuplotStyle.quote(xlabel))
            set ylabel \(GnuplotStyle.quote(ylabel))
            set key outside right top vertical samplen 2
            set autoscale xfix
            set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05
            """
        if logX { commands += "\nset logscale x" }
        // Non-negative data whose padding would dip below zero: start the axis at zero instead.
        let allY = series.flatMap { $0.points.flatMap { [$0.y, $0.low, $0.high] } }.filter(\.isFinite)
        if let minY = allY.min(), let maxY = allY.max(), minY >= 0, minY - 0.05 * (maxY - minY) < 0 {
            commands += "\nset yrange [0:*]\nset offsets graph 0.03, graph 0.03, graph 0.05, 0"
        }
        // Whole-number x (days): whole-number tics, every one while there are few.
        if integerX && xtics == nil && !logX { commands += xRange <= 20 ? "\nset xtics 1" : "\nset format x '%.0f'" }
        if let xtics {
            let label: (Double) -> String = { $0 == $0.rounded() && abs($0) < 1e9 ? String(Int($0)) : NumberFormat.short($0) }
            commands += "\nset xtics (" + xtics.map { "\(GnuplotStyle.quote(label($0))) \(GnuplotStyle.value($0))" }.joined(separator: ", ") + ")"
        }
        let clauses = series.enumerated().map { i, s -> String in
            let style = errorBars ? "using 1:2:3:4 with yerrorlines" : "using 1:2 with linespoints"
            return "\(i == 0 ? "DATA" : "''") index \(i) \(style) lt \(i + 1) title \(GnuplotStyle.quote(s.name))"
        }
        commands += "\nplot " + clauses.joined(separator: ", \\\n     ")
        let drawable = series.contains { $0.points.contains { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) } }
        return Chart(name: name, title: title, data: data, commands: commands, hasFiniteData: drawable)
    }

    /// Lines per series with a shaded CI band (filledcurves between low and high).
    public static func bands(name: String, title: String, xlabel: String, ylabel: String, series: [Series]) -> Chart {
        var chart = lines(name: name, title: title, xlabel: xlabel, ylabel: ylabel, series: series, errorBars: false)
        let bandClauses = series.enumerated().map { i, _ in
            "\(i == 0 ? "DATA" : "''") index \(i) using 1:3:4 with filledcurves fc rgb '\(GnuplotStyle.colour(i))' fs transparent solid 0.18 noborder notitle"
        }
        let lineClauses = series.enumerated().map { i, s in
            "'' index \(i) using 1:2 with linespoints lt \(i + 1) title \(GnuplotStyle.quote(s.name))"
        }
        let header = chart.commands.components(separatedBy: "\nplot ").first ?? ""
        chart.commands = header + "\nplot " + (bandClauses + lineClauses).joined(separator: ", \\\n     ")
        return chart
    }

    /// Forest plot: one row per estimate with its CI on a horizontal axis, a dashed line at `reference`;
    /// rows flagged `highlight` drawn in colour, the others in grey.
    public static func forest(name: String, title: String, xlabel: String,
                              rows: [(label: String, value: Double, low: Double, high: Double, highlight: Bool)],
                              reference: Double? = 0, highlightTitle: String, otherTitle: String) -> Chart {
        var data = "# row label value low high highlighted\n"
        let n = rows.count
        for (i, r) in rows.enumerated() {
            // First row at the top.
            let ci = GnuplotStyle.interval(r.value, r.low, r.high)
            data += "\(n - i) \(GnuplotStyle.dataLabel(r.label)) \(GnuplotStyle.value(r.value)) \(GnuplotStyle.value(ci.low)) \(GnuplotStyle.value(ci.high)) \(r.highlight ? 1 : 0)\n"
        }
        let commands = """
            set xlabel \(GnuplotStyle.quote(xlabel))
            set yrange [0.3:\(Double(n) + 0.7)]
            set ytics scale 0
            set grid xtics ytics lc rgb '#e5e5e5'
            set key outside below center horizontal samplen 1 spacing 1.3 height 1
            set bmargin 7
            \(reference.map { "set arrow from \(GnuplotStyle.value($0)), graph 0 to \(GnuplotStyle.value($0)), graph 1 nohead dt 2 lw 1.5 lc rgb '#555555'" } ?? "")
            plot DATA using ($6 == 1 ? $3 : NaN):1:4:5:ytic(2) with xerrorbars pt 7 ps 1.8 lw 2 lc rgb '\(GnuplotStyle.palette[0])' title \(GnuplotStyle.quote(highlightTitle)), \\
                 '' using ($6 == 0 ? $3 : NaN):1:4:5 with xerrorbars pt 6 ps 1.8 lw 2 lc rgb '#888888' title \(GnuplotStyle.quote(otherTitle))
            """
        return Chart(name: name, title: title, data: data, commands: commands, hasFiniteData: rows.contains { $0.value.isFinite })
    }

    /// Labelled scatter with vertical CI bars (quality against fit time). Labels sit right of their point,
    /// nudged down when they would overlap a neighbour's label (points close in x and y).
    public static func labelledScatter(name: String, title: String, xlabel: String, ylabel: String,
                                       points: [(label: String, x: Double, y: Double, low: Double, high: Double)], logX: Bool) -> Chart {
        let ys = points.flatMap { [$0.y, $0.low, $0.high] }.filter(\.isFinite)
        let span = max((ys.max() ?? 1) - (ys.min() ?? 0), 1e-12)
        func xPosition(_ x: Double) -> Double { logX ? log10(max(x, 1e-12)) : x }
        let xs = points.map { xPosition($0.x) }
        let xSpan = max((xs.max() ?? 1) - (xs.min() ?? 0), 1e-12)
        // Greedy: walk points from the top; a label closer than 6% of the height to an already placed label
        // nearby in x moves below its point.
        var labelY = [Double](repeating: 0, count: points.count)
        var placed: [(x: Double, y: Double)] = []
        for i in points.indices.sorted(by: { points[$0].y > points[$1].y }) {
            var candidate = points[i].y + 0.025 * span
            if placed.contains(where: { abs($0.x - xs[i]) < 0.12 * xSpan && abs($0.y - candidate) < 0.06 * span }) {
                candidate = points[i].y - 0.045 * span
            }
            labelY[i] = candidate
            placed.append((xs[i], candidate))
        }
        var data = "# x y low high label label_y\n"
        for (i, p) in points.enumerated() {
            let ci = GnuplotStyle.interval(p.y, p.low, p.high)
            data += "\(GnuplotStyle.value(p.x)) \(GnuplotStyle.value(p.y)) \(GnuplotStyle.value(ci.low)) \(GnuplotStyle.value(ci.high)) \(GnuplotStyle.dataLabel(p.label)) \(GnuplotStyle.value(labelY[i]))\n"
        }
        var commands = """
            set xlabel \(GnuplotStyle.quote(xlabel))
            set ylabel \(GnuplotStyle.quote(ylabel))
            set grid xtics ytics lc rgb '#e5e5e5'
            set offsets graph 0.08, graph 0.25, graph 0.1, graph 0.1
            """
        if logX { commands += "\nset logscale x" }
        // Non-negative values: the axis starts at zero (no bottom padding below it).
        if ys.allSatisfy({ $0 >= 0 }) { commands += "\nset yrange [0:*]\nset offsets graph 0.08, graph 0.25, graph 0.1, 0" }
        commands += """

            plot DATA using 1:2:3:4 with yerrorbars pt 7 ps 1.8 lw 2 lc rgb '\(GnuplotStyle.palette[0])' notitle, \\
                 '' using 1:6:5 with labels left offset 1.2,0 font ',13' tc rgb '#222222' notitle
            """
        return Chart(name: name, title: title, data: data, commands: commands,
                     hasFiniteData: points.contains { $0.x.isFinite && $0.y.isFinite })
    }

    /// Long tail: interactions per movie by rank, log-scaled y.
    public static func longTail(name: String, title: String, counts: [Int]) -> Chart {
        let sorted = counts.sorted(by: >)
        var data = "# movie rank, interactions (sorted descending)\n"
        for (i, c) in sorted.enumerated() where c > 0 { data += "\(i + 1) \(c)\n" }
        let total = sorted.reduce(0, +)
        let top = max(1, sorted.count / 10)
        let share = total > 0 ? Double(sorted.prefix(top).reduce(0, +)) / Double(total) : 0
        let commands = """
            set xlabel 'movie rank (by interactions)'
            set ylabel 'interactions per movie (log scale)'
            set logscale y
            set grid xtics ytics mytics lc rgb '#e5e5e5'
            set label 1 \(GnuplotStyle.quote("top 10% of movies (\(top)) get \(NumberFormat.percent(share, signed: false)) of interactions")) at graph 0.35, graph 0.85 font ',16'
            plot DATA using 1:2 with filledcurves y1=1 fc rgb '\(GnuplotStyle.palette[0])' fs transparent solid 0.35 noborder notitle, \\
                 '' using 1:2 with lines lt 1 lw 2.5 notitle
            """
        return Chart(name: name, title: title, data: data, commands: commands, hasFiniteData: total > 0)
    }

    /// Bars of counts with their labels on the x axis (rating histogram).
    public static func histogram(name: String, title: String, xlabel: String, ylabel: String, bins: [(label: String, count: Int)]) -> Chart {
        var data = "# bin count\n"
        for b in bins { data += "\(GnuplotStyle.dataLabel(b.label)) \(b.count)\n" }
        let commands = """
            set xlabel \(GnuplotStyle.quote(xlabel))
            set ylabel \(GnuplotStyle.quote(ylabel))
            set style fill solid 0.85 border rgb '#333333'
            set boxwidth 0.8
            set yrange [0:*]
            set xtics scale 0
            set offsets 0.3, 0.3, graph 0.08, 0
            plot DATA using 0:2:xtic(1) with boxes lc rgb '\(GnuplotStyle.palette[0])' notitle, \\
                 '' using 0:2:(sprintf('%d', $2)) with labels offset 0,0.8 font ',13' notitle
            """
        return Chart(name: name, title: title, data: data, commands: commands, hasFiniteData: !bins.isEmpty)
    }

    /// Lorenz curves of exposure per series (cumulative share of items against cumulative share of
    /// impressions, items sorted by exposure ascending), with each series' Gini in the legend.
    public static func lorenz(name: String, title: String, exposures: [(name: String, counts: [Int])]) -> Chart {
        var data = ""
        var clauses: [String] = []
        for (i, e) in exposures.enumerated() {
            // Gini and Lorenz curve from RecLabStats: the same (uncorrected) Gini as the gini@k metric.
            let curve = Inequality.lorenzCurve(e.counts, maxPoints: 201)
            data += "# \(GnuplotStyle.dataComment(e.name))\n# item share (%), exposure share (%)\n"
            for p in curve { data += "\(GnuplotStyle.value(p.populationShare * 100)) \(GnuplotStyle.value(p.exposureShare * 100))\n" }
            data += "\n\n"
            let gini = Inequality.gini(e.counts)
            clauses.append("\(i == 0 ? "DATA" : "''") index \(i) using 1:2 with lines lt \(i + 1) lw 3 title \(GnuplotStyle.quote("\(e.name) (Gini \(gini.isFinite ? String(format: "%.3f", gini) : "n/a"))"))")
        }
        clauses.append("x with lines dt 2 lw 1.5 lc rgb '#777777' title 'equal exposure (Gini 0)'")
        let commands = """
            set xlabel 'share of catalogue, items sorted by exposure (%)'
            set ylabel 'share of impressions (%)'
            set xrange [0:100]
            set yrange [0:100]
            set grid xtics ytics lc rgb '#e5e5e5'
            set key outside right center vertical samplen 2
            plot \(clauses.joined(separator: ", \\\n     "))
            """
        // The diagonal alone still draws; nothing at all to compare is left out.
        return Chart(name: name, title: title, data: data, commands: commands, hasFiniteData: !exposures.isEmpty)
    }
}
