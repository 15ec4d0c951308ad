import Foundation
import RecLabCore
import RecLabResults
import RecLabStore

extension ResultDocument {
    /// Resolves a RUN argument: an existing file or folder, else a run id (or unique prefix) in the results store.
    public static func resolve(_ run: String, resultsStore: String?) throws -> ResultDocument {
        if FileManager.default.fileExists(atPath: run) { return try load(path: run) }
        guard let db = resultsStore else {
            throw RecLabError.usage("'\(run)' is not a file or folder; to read it as a run id, pass --results DB (the results store reclab run/simulate recorded it in)")
        }
        guard FileManager.default.fileExists(atPath: db) else { throw RecLabError.io("no such results store", file: db) }
        // Read only: reporting never writes a schema into (or migrates) the file it is given.
        let store = try ResultsStore(readingFrom: db)
        return try stored(try store.document(id: run), in: db)
    }

    /// Decodes a document read from a results store; errors name the store and the run.
    public static func stored(_ found: (id: String, kind: String, data: Data), in db: String) throws -> ResultDocument {
        try decode(found.data, source: "\(db) (run \(found.id))")
    }
}
