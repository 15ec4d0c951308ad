import Foundation

/// Everything a finished run leaves behind, made in memory by an engine and written by the application
/// layer's `RunRecorder`, the same way for every kind: the document and summary rows for the results store,
/// and the files of the output folder (name and bytes).
public struct RecordedRun {
    public var id: String
    /// `offline`, `ab` or `ope`.
    public var kind: String
    public var name: String
    public var provenance: Provenance
    /// The result document's bytes (what `metrics.json`, `ab.json` or `ope.json` holds).
    public var document: Data
    public var metrics: [RunMetricRow]
    public var userValues: [UserMetricValues]
    /// Output files in the order they are written, names relative to the output folder.
    public var files: [(name: String, data: Data)]

    public init(id: String, kind: String, name: String, provenance: Provenance, document: Data, metrics: [RunMetricRow],
                userValues: [UserMetricValues], files: [(name: String, data: Data)]) {
        self.id = id; self.kind = kind; self.name = name; self.provenance = provenance; self.document = document
        self.metrics = metrics; self.userValues = userValues; self.files = files
    }
}
