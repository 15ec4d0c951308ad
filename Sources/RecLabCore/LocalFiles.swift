import Foundation

/// The local file system as the input files a run names are read (predefined split files): the default of
/// `RunContext.readFile` and of config checks, kept here so the engine modules touch no file themselves
/// and can be given another reader (tests, a sandbox).
public enum LocalFiles {
    public static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// The file's bytes; an `.io` error naming the file when it is missing or unreadable.
    public static func read(_ path: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: path) else { throw RecLabError.io("file not found", file: path) }
        guard let data = FileManager.default.contents(atPath: path) else { throw RecLabError.io("cannot read file", file: path) }
        return data
    }
}
