import Foundation
import RecLabCore

/// gnuplot as an external process. Found through `RECLAB_GNUPLOT` (a path) or on `PATH`.
public struct Gnuplot: Sendable {
    public let executable: String

    static let installHint = "install it with `apt-get install gnuplot-nox` (Debian/Ubuntu; `brew install gnuplot` on macOS) " +
        "or point RECLAB_GNUPLOT at the binary; `reclab report --no-charts` writes the report and tables without charts"

    public init(executable: String) { self.executable = executable }

    /// Finds gnuplot; a clear `RecLabError.tool` when it is not there.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Gnuplot {
        let fm = FileManager.default
        if let configured = environment["RECLAB_GNUPLOT"], !configured.isEmpty {
            var isDirectory: ObjCBool = false
            // A folder has its execute bit set too; it is not a program.
            guard fm.isExecutableFile(atPath: configured), fm.fileExists(atPath: configured, isDirectory: &isDirectory),
                  !isDirectory.boolValue else {
                throw RecLabError.tool("gnuplot not found: RECLAB_GNUPLOT=\(configured) is not an executable file. Charts need gnuplot: \(installHint)")
            }
            return Gnuplot(executable: configured)
        }
        for dir in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = (String(dir) as NSString).appendingPathComponent("gnuplot")
            if fm.isExecutableFile(atPath: candidate) { return Gnuplot(executable: candidate) }
        }
        throw RecLabError.tool("gnuplot not found on PATH. Charts need gnuplot: \(installHint)")
    }

    /// Runs `gnuplot SCRIPT` in the script's folder (scripts use relative file names, so anyone can
    /// redraw a chart with `cd charts && gnuplot NAME.gp`). Fails with gnuplot's stderr and the script path.
    public func run(script: URL) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = [script.lastPathComponent]
        p.currentDirectoryURL = script.deletingLastPathComponent()
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        do {
            try p.run()
        } catch {
            throw RecLabError.tool("cannot start gnuplot (\(executable)): \(error.localizedDescription). \(Gnuplot.installHint)")
        }
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let stderr = String(decoding: stderrData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard p.terminationStatus == 0, p.terminationReason == .exit else {
            let detail = stderr.isEmpty ? "(no message on stderr)" : stderr
            // gnuplot ran: it is installed. Only a missing terminal is a matter of how it was installed;
            // anything else is a problem with this chart, not with the installation.
            let lower = stderr.lowercased()
            let hint = lower.contains("terminal") && (lower.contains("unknown") || lower.contains("ambiguous"))
                ? "This gnuplot lacks the pngcairo or svg terminal: install a full build (`apt-get install gnuplot-nox` on Debian/Ubuntu, `brew install gnuplot` on macOS) or point RECLAB_GNUPLOT at one"
                : "gnuplot is installed but could not draw this chart from its script and data"
            throw RecLabError.tool("gnuplot (\(executable)) failed with status \(p.terminationStatus) on script \(script.path): \(detail). " +
                                   "\(hint); `reclab report --no-charts` writes the report and tables without charts")
        }
    }
}
