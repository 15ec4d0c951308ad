import ArgumentParser
import Foundation
import RecLabCore
import RecLabReport
import RecLabResults
import RecLabStore

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a Markdown and HTML report with tables and gnuplot charts for an offline run or an A/B simulation.",
        discussion: """
            RUN is an output folder of `reclab run` or `reclab simulate` (or the metrics.json / ab.json / ope.json \
            in it), or a run id (or unique prefix) in the results store given with --results.

            Writes DIR/report.md (self-contained Markdown: what was run, headline, metric tables, A/B lifts and \
            SRM verdict, charts), DIR/tables/ (each table as .md, .csv and .tex) and DIR/charts/ (each chart as \
            .png and .svg with the .gp script and .dat data that redraw it: `cd DIR/charts && gnuplot NAME.gp`). \
            DIR may hold other files (a run's own folder, for example): only files an earlier report wrote there \
            (listed in DIR/.reclab-report.json) are replaced, and a file of the same name that it did not write \
            makes it refuse with nothing written.

            DIR/report.html holds the same content as one self-contained page for a browser or a projector: \
            inline SVG charts (each with its data file linked and a text alternative), tables sorted by clicking \
            a header, a table of contents; no network access, no external scripts or fonts.

            With --index DIR (and no RUN) it writes DIR/index.html instead: every report.html under DIR with \
            its date, kind and headline, newest first (the sprint-review index).

            Charts need gnuplot (on PATH, or the binary named by RECLAB_GNUPLOT); --no-charts skips them.

            With --previous RUN the report becomes a sprint review: a "Since last sprint" section lists the change \
            of every strategy (or arm) and metric, flagging improvements and regressions.

            Examples:
              reclab report out/tiny --out reports/tiny
              reclab report out/ab-tiny --previous out/ab-tiny-log --out reports/ab-review
              reclab report offline-1c65 --results out/tiny/results.sqlite --no-charts --out reports/tiny-tables
              reclab report --index reports
            """)

    @Argument(help: ArgumentHelp("Run folder, result file, or run id in the results store.", valueName: "RUN"))
    var runReference: String?

    @Option(name: .long, help: ArgumentHelp("Instead of a report: write DIR/index.html linking every report under DIR.", valueName: "DIR"))
    var index: String?

    @Option(name: .long, help: ArgumentHelp("Folder for report.md, tables/ and charts/ (default: reports/<run id>).", valueName: "DIR"))
    var out: String?

    @Option(name: .long, help: ArgumentHelp("An earlier run of the same kind to compare with (sprint review).", valueName: "RUN"))
    var previous: String?

    @Option(name: .long, help: ArgumentHelp("Results store (SQLite) to look run ids up in.", valueName: "DB"))
    var results: String?

    @Flag(name: .long, help: "Do not draw charts (no gnuplot needed); the report and tables are still written.")
    var noCharts = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if index != nil {
            guard runReference == nil, out == nil, previous == nil, results == nil, !noCharts else {
                throw ValidationError("--index DIR builds the index of existing reports; give it alone (no RUN, --out, --previous, --results or --no-charts)")
            }
        } else if runReference == nil {
            throw ValidationError("missing RUN (a run folder, result file or run id), or --index DIR for the index of reports")
        }
    }

    func run() throws {
        if let index {
            try reportingErrors {
                let written = try ReportIndex.write(root: URL(fileURLWithPath: index))
                print("wrote \(written.url.path) (\(written.reports) report\(written.reports == 1 ? "" : "s"))")
            }
            return
        }
        guard let runReference else { return }
        try reportingErrors { try common.withContext(provenance: false) { context in
            let document = try ResultDocument.resolve(runReference, resultsStore: results)
            let previousDocument = try previous.map { try ResultDocument.resolve($0, resultsStore: results) }
            // Find gnuplot before doing any work, so a missing tool fails fast with nothing written.
            let gnuplot = noCharts ? nil : try Gnuplot.locate()
            let content = try Report.build(document, previous: previousDocument, charts: !noCharts)
            // The run id was checked when the document was read, so the default stays inside reports/.
            let directory = try out.map { OutputFolder(path: $0).url } ?? OutputFolder(path: "reports").child(document.runId)
            try OutputLocation.checkFolder(out ?? directory.path)
            if !content.charts.isEmpty { context.log.info("[report] drawing \(content.charts.count) charts with gnuplot") }
            let path = try Report.write(content, to: directory, gnuplot: gnuplot)
            print("wrote \(path.path) and report.html (\(content.tables.count) tables, \(content.charts.count) charts)")
        } }
    }
}
