import Foundation
import RecLabCore
import RecLabResults
import RecLabStore

/// Records a finished run of any kind the same way: the results store first (so a store that cannot be
/// written leaves no result file behind), then each output file through a temporary file and a rename
/// (so a failed run leaves no partial file).
public struct RunRecorder {
    public let folder: OutputFolder
    public let storePath: String

    public init(folder: URL, storePath: String) {
        self.folder = OutputFolder(url: folder); self.storePath = storePath
    }

    /// The output folder and results store of `run`, `simulate` and `ope`, checked before any work: the folder
    /// (`out`, else DEFAULT_ROOT/NAME with NAME already a valid name) must be writable or creatable, and the
    /// store (`results`, else results.sqlite in the folder) a new file or an existing RecLab results store.
    public static func prepare(out: String?, defaultRoot: String, name: String, results: String?) throws -> RunRecorder {
        let folder = try out.map { OutputFolder(path: $0).url } ?? OutputFolder(path: defaultRoot).child(name)
        try OutputLocation.checkFolder(out ?? folder.path)
        let store = try results ?? OutputFolder(url: folder).child("results.sqlite").path
        try ResultsStore.checkLocation(store, folderIsCreatedLater: results == nil)
        return RunRecorder(folder: folder, storePath: store)
    }

    public func record(_ run: RecordedRun) throws {
        do { try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true) } catch {
            throw RecLabError.io("cannot create output folder: \(error.localizedDescription)", file: folder.path)
        }
        let store = try ResultsStore(path: storePath)
        try store.record(id: run.id, kind: run.kind, name: run.name, provenance: run.provenance, document: run.document,
                         metrics: run.metrics, userValues: run.userValues)
        for file in run.files {
            let url = try folder.child(file.name)
            do { try file.data.write(to: url, options: .atomic) } catch {
                throw RecLabError.io("cannot write: \(error.localizedDescription)", file: url.path)
            }
        }
    }
}
