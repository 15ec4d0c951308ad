import Foundation
import RecLabCore

/// Where the MovieLens files come from: a folder, or a .zip archive as GroupLens distributes them.
///
/// Zip archives are read with the system `unzip` tool (Info-ZIP, present on most Unix systems and in
/// Debian's `unzip` package): `unzip -Z1` lists the entries and `unzip -p` streams one entry into memory,
/// so nothing is extracted to disk. Without `unzip` on the PATH, importing a zip is an error that says so
/// (a folder import needs nothing). This keeps RecLab free of a zip package dependency.
struct ImportSource {
    /// The path the user gave (a folder or a .zip).
    let path: String
    /// Archive folder holding the files (for example `ml-latest-small/`), empty for a folder source.
    let prefix: String
    /// File names available (without the prefix).
    let files: Set<String>
    let isZip: Bool

    /// Opens `path`. A folder whose only entry is one subfolder (an unpacked archive's parent) is
    /// searched one level down; a zip is searched for the folder that holds MovieLens files.
    static func open(_ path: String) throws -> ImportSource {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw RecLabError.io("no such file or folder", file: path)
        }
        if isDir.boolValue {
            let names = try folderFiles(path)
            if MovieLensFormat.detect(names) == nil {
                // One level down, for a folder that holds the unpacked archive's folder.
                let subs = try FileManager.default.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }
                if subs.count == 1 {
                    let sub = (path as NSString).appendingPathComponent(subs[0])
                    var subIsDir: ObjCBool = false
                    if FileManager.default.fileExists(atPath: sub, isDirectory: &subIsDir), subIsDir.boolValue {
                        let subNames = try folderFiles(sub)
                        if MovieLensFormat.detect(subNames) != nil {
                            return ImportSource(path: sub, prefix: "", files: subNames, isZip: false)
                        }
                    }
                }
            }
            return ImportSource(path: path, prefix: "", files: names, isZip: false)
        }
        guard path.lowercased().hasSuffix(".zip") else {
            throw RecLabError.input("expected a MovieLens folder or a .zip archive, got a plain file", file: path)
        }
        let listing = try runUnzip(["-Z1", path], zip: path)
        let entries = String(decoding: listing, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
        // Group entries by folder; choose the folder that holds a known format (shallowest first).
        var byFolder: [String: Set<String>] = [:]
        for e in entries where !e.hasSuffix("/") && !e.hasPrefix("__MACOSX") {
            let slash = e.lastIndex(of: "/")
            let folder = slash.map { String(e[...$0]) } ?? ""
            let name = slash.map { String(e[e.index(after: $0)...]) } ?? e
            byFolder[folder, default: []].insert(name)
        }
        for folder in byFolder.keys.sorted(by: { ($0.filter { $0 == "/" }.count, $0) < ($1.filter { $0 == "/" }.count, $1) }) {
            if MovieLensFormat.detect(byFolder[folder]!) != nil {
                return ImportSource(path: path, prefix: folder, files: byFolder[folder]!, isZip: true)
            }
        }
        return ImportSource(path: path, prefix: "", files: byFolder[""] ?? [], isZip: true)
    }

    private static func folderFiles(_ path: String) throws -> Set<String> {
        do {
            return Set(try FileManager.default.contentsOfDirectory(atPath: path))
        } catch {
            throw RecLabError.io("cannot list the folder", file: path)
        }
    }

    func has(_ name: String) -> Bool { files.contains(name) }

    /// The name used in messages: `folder/file` or `archive.zip:folder/file`.
    func displayName(_ name: String) -> String {
        isZip ? "\(path):\(prefix)\(name)" : (path as NSString).appendingPathComponent(name)
    }

    /// Reads a whole file into memory. Empty files are an input error.
    func read(_ name: String) throws -> [UInt8] {
        let bytes: [UInt8]
        if isZip {
            bytes = try ImportSource.runUnzip(["-p", path, prefix + name], zip: path)
        } else {
            bytes = try ImportSource.readFile(displayName(name))
        }
        if bytes.isEmpty { throw RecLabError.input("the file is empty", file: displayName(name), line: 1) }
        return bytes
    }

    /// Reads a file with POSIX calls straight into an array (no intermediate `Data`).
    static func readFile(_ path: String) throws -> [UInt8] {
        let fd = Foundation.open(path, O_RDONLY)
        guard fd >= 0 else { throw RecLabError.io("cannot open the file (errno \(errno))", file: path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw RecLabError.io("cannot stat the file", file: path) }
        let size = Int(st.st_size)
        var failed = false
        let out = [UInt8](unsafeUninitializedCapacity: size) { buf, initialized in
            var done = 0
            while done < size {
                let r = Foundation.read(fd, buf.baseAddress! + done, size - done)
                if r <= 0 { failed = r < 0; break }
                done += r
            }
            initialized = done
        }
        if failed { throw RecLabError.io("cannot read the file (errno \(errno))", file: path) }
        return out
    }

    private static func runUnzip(_ args: [String], zip: String) throws -> [UInt8] {
        let searchPath = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        guard let unzip = searchPath.map({ "\($0)/unzip" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw RecLabError.tool("importing a .zip needs the 'unzip' tool (Debian: apt-get install unzip); or unpack the archive and import the folder")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: unzip)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { throw RecLabError.tool("cannot run unzip: \(error)") }
        // Drain stderr concurrently so a chatty unzip cannot block on a full pipe.
        // @unchecked Sendable: written once by the background block and read only after `group.wait()`.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let message = String(decoding: errData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw RecLabError.input("cannot read the zip archive (unzip exit \(p.terminationStatus)): \(message.prefix(200))", file: zip)
        }
        return [UInt8](data)
    }
}
