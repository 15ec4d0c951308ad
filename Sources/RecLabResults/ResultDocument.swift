import Foundation
import RecLabCore

/// A result document of any kind, as read by reports, the regression gate and `reclab runs show`.
public enum ResultDocument: Sendable {
    case offline(OfflineResults)
    case ab(ABResults)
    case ope(OPEResults)
    case interleaving(InterleavingResults)

    public var kind: String {
        switch self {
        case .offline: return "offline"
        case .ab: return "ab"
        case .ope: return "ope"
        case .interleaving: return "interleaving"
        }
    }

    /// "an offline run", "an A/B run", "an OPE run": for messages.
    public var kindPhrase: String {
        switch self {
        case .offline: return "an offline run (metrics.json)"
        case .ab: return "an A/B run (ab.json)"
        case .ope: return "an OPE run (ope.json)"
        case .interleaving: return "an interleaving run (interleaving.json)"
        }
    }

    public var runId: String {
        switch self {
        case .offline(let d): return d.runId
        case .ab(let d): return d.runId
        case .ope(let d): return d.runId
        case .interleaving(let d): return d.runId
        }
    }

    public var name: String {
        switch self {
        case .offline(let d): return d.name
        case .ab(let d): return d.name
        case .ope(let d): return d.name
        case .interleaving(let d): return d.name
        }
    }

    public var provenance: Provenance {
        switch self {
        case .offline(let d): return d.provenance
        case .ab(let d): return d.provenance
        case .ope(let d): return d.provenance
        case .interleaving(let d): return d.provenance
        }
    }

    /// Decodes a metrics.json / ab.json / ope.json; `source` names the file in errors.
    public static func decode(_ data: Data, source: String) throws -> ResultDocument {
        // Tells empty or truncated JSON from JSON that is not a result document.
        let kind = try ResultJSON.documentKind(of: data, source: source)
        let decoder = ResultJSON.decoder()
        let document: ResultDocument
        do {
            switch kind {
            case "offline": document = .offline(try decoder.decode(OfflineResults.self, from: data))
            case "ab": document = .ab(try decoder.decode(ABResults.self, from: data))
            case "ope": document = .ope(try decoder.decode(OPEResults.self, from: data))
            case "interleaving": document = .interleaving(try decoder.decode(InterleavingResults.self, from: data))
            default: throw RecLabError.input("unknown result kind '\(kind)' (expected offline, ab, ope or interleaving)", file: source)
            }
        } catch let error as DecodingError {
            throw RecLabError.input("malformed \(kind) result document: \(describe(error))", file: source)
        }
        // A document is untrusted input: its run id names the default report folder.
        try ResultJSON.checkRunId(document.runId, source: source)
        return document
    }

    /// Reads a result document from a file, or from a folder written by `reclab run`/`simulate`/`ope`.
    public static func load(path: String) throws -> ResultDocument {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RecLabError.io("no such file or folder", file: path)
        }
        var file = path
        if isDirectory.boolValue {
            let candidates = ["metrics.json", "ab.json", "ope.json", "interleaving.json"]
                .map { (path as NSString).appendingPathComponent($0) }
                .filter { FileManager.default.fileExists(atPath: $0) }
            guard let first = candidates.first else {
                throw RecLabError.io("folder holds no metrics.json, ab.json or ope.json (is it an output folder of reclab run or simulate?)", file: path)
            }
            if candidates.count > 1 {
                throw RecLabError.usage("\(path) holds several result documents (\(candidates.map { ($0 as NSString).lastPathComponent }.joined(separator: ", "))); name the file")
            }
            file = first
        }
        return try decode(try readBounded(file), source: file)
    }

    /// A JSON file's bytes (result document or baseline), its type and size checked before reading, so a
    /// huge or endless file (a device, a FIFO) is never loaded.
    public static func readBounded(_ file: String) throws -> Data {
        let attributes = try? FileManager.default.attributesOfItem(atPath: file)
        guard (attributes?[.type] as? FileAttributeType) == .typeRegular else {
            throw RecLabError.io("not a regular file; a result document is a JSON file", file: file)
        }
        if let size = (attributes?[.size] as? NSNumber)?.intValue, size > maxDocumentBytes {
            throw RecLabError.input("the file is \(size) bytes, above the limit of \(maxDocumentBytes) bytes (256 MiB) for a result document", file: file)
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw RecLabError.io("cannot read file", file: file)
        }
        return data
    }

    /// The largest result document RecLab reads. Real documents are far smaller (the 25M-event world's
    /// metrics.json with per-item exposure is a few MB); the bound keeps an untrusted file from
    /// exhausting memory.
    public static let maxDocumentBytes = 256 << 20

    /// A decoding error in words, with the JSON path of the offending key.
    public static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .keyNotFound(let key, let ctx): return "missing key '\(path(ctx.codingPath + [key]))'"
        case .typeMismatch(_, let ctx): return "wrong type at '\(path(ctx.codingPath))': \(ctx.debugDescription)"
        case .valueNotFound(_, let ctx): return "missing value at '\(path(ctx.codingPath))'"
        case .dataCorrupted(let ctx):
            return ctx.codingPath.isEmpty ? "not valid JSON" : "bad value at '\(path(ctx.codingPath))': \(ctx.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
