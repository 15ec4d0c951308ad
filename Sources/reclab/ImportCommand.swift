import ArgumentParser
import Foundation
import RecLabCore
import RecLabImport
import RecLabStore

/// `--format` values: `auto` or a MovieLens layout (the ml-latest family names are accepted as aliases).
enum ImportFormatChoice: String, ExpressibleByArgument, CaseIterable {
    case auto
    case ml100k = "ml-100k", ml1m = "ml-1m", ml10m = "ml-10m", mlLatest = "ml-latest"
    case mlLatestSmall = "ml-latest-small", ml20m = "ml-20m", ml25m = "ml-25m", ml32m = "ml-32m"

    var format: MovieLensFormat? { MovieLensFormat(name: rawValue) }
}

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a MovieLens folder or .zip into a dataset store (one SQLite file).",
        discussion: """
            Reads ml-100k, ml-1m, ml-10m and the CSV family (ml-latest, ml-latest-small, ml-20m, ml-25m, \
            ml-32m), from a folder or from the .zip GroupLens distributes (zip needs the 'unzip' tool).
            User ids are replaced by keyed HMAC-SHA256 pseudonyms: set RECLAB_PSEUDONYM_KEY (or \
            RECLAB_PSEUDONYM_KEY_FILE) to a secret key for real data. Demographics are dropped unless \
            --keep-demographics.
            The import is all-or-nothing: malformed input stops it with file:line: problem, and no file \
            is written (an existing --out file is left untouched).

            Example:
              reclab import ../shared/datasets/ml-latest-small --out mls.sqlite
              reclab inspect mls.sqlite
            """)

    @Argument(help: "MovieLens folder or .zip archive.")
    var path: String

    @Option(name: .long, help: "Dataset store to write (SQLite file).")
    var out: String

    @Option(name: .long, help: "File layout. 'auto' recognises it by the file names; ml-latest-small, ml-20m, ml-25m and ml-32m are names for ml-latest.")
    var format: ImportFormatChoice = .auto

    @Flag(name: .long, help: "Replace the --out file if it exists.")
    var force = false

    @Flag(name: .customLong("keep-demographics"), help: "Keep gender, age, occupation and zip code (ml-100k, ml-1m). Off by default.")
    var keepDemographics = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if out.isEmpty { throw ValidationError("--out must name a file") }
    }

    func run() throws {
        try reportingErrors { try common.withContext(provenance: false) { context in
            try DatasetStore.checkOutput(out, force: force)   // before any work
            let pseudonymizer = try context.pseudonymizer()
            if pseudonymizer.usesDevelopmentKey { context.log.warning("\(Pseudonymizer.developmentKeyWarning)") }

            let t0 = DispatchTime.now().uptimeNanoseconds
            let result = try MovieLensImporter.load(
                path: path, format: format.format,
                options: ImportOptions(pseudonymizer: pseudonymizer, keepDemographics: keepDemographics))
            let t1 = DispatchTime.now().uptimeNanoseconds
            let hash = try DatasetStore.write(result.content, to: out, force: force)
            let t2 = DispatchTime.now().uptimeNanoseconds

            let c = result.content, r = result.report
            let read = Double(t1 - t0) / 1e9, write = Double(t2 - t1) / 1e9, total = read + write
            print("imported \(c.name) (\(r.format.rawValue)) into \(out)")
            print("  users         \(grouped(c.users.count))")
            print("  movies        \(grouped(c.movies.count))")
            print("  ratings       \(grouped(c.ratingCount))")
            print("  tags          \(grouped(c.tags.count))")
            print("  demographics  \(keepDemographics ? "kept" : "dropped")")
            print("  warnings      \(r.warnings.count)")
            for w in r.warnings { print("    warning: \(w)") }
            print("  content_hash  \(hash)")
            print(String(format: "  time          %.2f s (read %.2f s, write %.2f s): %@ rows/s over %@ data lines",
                         total, read, write, grouped(Int(Double(r.recordsRead) / max(total, 1e-9))), grouped(r.recordsRead)))
        } }
    }
}

/// 1234567 -> "1,234,567".
func grouped(_ n: Int) -> String {
    let digits = String(abs(n))
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return n < 0 ? "-" + out : out
}
