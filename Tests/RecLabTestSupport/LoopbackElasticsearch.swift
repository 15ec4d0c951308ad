import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small Elasticsearch stand-in on 127.0.0.1 (an ephemeral port) that implements `POST /_bulk` as the
/// bulk API documents it: NDJSON action/document pairs, the body must end in a newline, `index` actions
/// replace the document with the same `_index`/`_id`, and the response lists one item per action in
/// request order with its status (and `error` when it failed), `errors` true when any failed. The test
/// scripts failures: whole-request statuses (429, 503) for the next requests, and documents to reject.
/// It checks the Content-Type and, when set, the Authorization header (401 otherwise), as a cluster would.
public final class LoopbackElasticsearch: @unchecked Sendable {
    // `@unchecked Sendable`: all mutable state is read and written under `lock`; the accept loop runs on
    // its own thread and the test thread reads the recorded state after the client call returned.
    private let lock = NSLock()
    private var listener: Int32 = -1
    public private(set) var port: UInt16 = 0
    private var thread: Thread?

    // Script and expectations.
    private var statusQueue: [Int] = []
    private var rejectIds: Set<String> = []
    private var throttleOnceIds: Set<String> = []
    public var expectedAuthorization: String? {
        get { lock.lock(); defer { lock.unlock() }; return authorization }
        set { lock.lock(); authorization = newValue; lock.unlock() }
    }
    private var authorization: String?

    // What arrived.
    private var storedDocuments: [String: String] = [:]
    private var requestLog: [(path: String, contentType: String?, authorization: String?, actions: Int)] = []

    public init() throws {
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(listener, 16) == 0 else { close(listener); throw POSIXError(.EADDRINUSE) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) } }
        port = UInt16(bigEndian: addr.sin_port)
        let t = Thread { [weak self] in self?.acceptLoop() }
        thread = t
        t.start()
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    public func stop() {
        lock.lock(); let fd = listener; listener = -1; lock.unlock()
        if fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
    }

    deinit { stop() }

    /// The next requests answer these statuses (with an error body) instead of processing the bulk.
    public func failNextRequests(_ statuses: [Int]) { lock.lock(); statusQueue += statuses; lock.unlock() }
    /// Documents with these ids fail with 400 (mapper_parsing_exception) from now on (replaces the earlier set).
    public func reject(ids: Set<String>) { lock.lock(); rejectIds = ids; lock.unlock() }
    /// Documents with these ids are rejected with 429 the first time they arrive, accepted after.
    public func throttleOnce(ids: Set<String>) { lock.lock(); throttleOnceIds.formUnion(ids); lock.unlock() }

    public var documents: [String: String] { lock.lock(); defer { lock.unlock() }; return storedDocuments }
    public var requests: [(path: String, contentType: String?, authorization: String?, actions: Int)] {
        lock.lock(); defer { lock.unlock() }; return requestLog
    }

    private func acceptLoop() {
        while true {
            lock.lock(); let fd = listener; lock.unlock()
            guard fd >= 0 else { return }
            let client = accept(fd, nil, nil)
            if client < 0 { return }
            handle(client)
            close(client)
        }
    }

    private func readMore(_ fd: Int32, into buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = read(fd, &chunk, chunk.count)
        guard n > 0 else { return false }
        buffer += chunk[0..<n]
        return true
    }

    private func send(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            sent += n
        }
    }

    private func respond(_ fd: Int32, status: Int, body: String, extra: String = "") {
        let reason = [200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests", 503: "Service Unavailable"][status] ?? "Error"
        send(fd, "HTTP/1.1 \(status) \(reason)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\(extra)Connection: close\r\n\r\n\(body)")
    }

    /// One request per connection (the response says `Connection: close`).
    private func handle(_ fd: Int32) {
        var buffer: [UInt8] = []
        var headerEnd: Int?
        while headerEnd == nil {
            guard readMore(fd, into: &buffer) else { return }
            if let r = findHeaderEnd(buffer) { headerEnd = r }
        }
        let head = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        var headers: [String: String] = [:]
        for l in lines { if let c = l.firstIndex(of: ":") { headers[l[..<c].lowercased()] = l[l.index(after: c)...].trimmingCharacters(in: .whitespaces) } }
        if headers["expect"]?.lowercased() == "100-continue" { send(fd, "HTTP/1.1 100 Continue\r\n\r\n") }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        var body = Array(buffer[(headerEnd! + 4)...])
        while body.count < length { guard readMore(fd, into: &body) else { break } }
        let path = requestLine.count > 1 ? String(requestLine[1]) : ""
        let method = requestLine.first.map(String.init) ?? ""

        lock.lock()
        let queued = statusQueue.isEmpty ? nil : statusQueue.removeFirst()
        lock.unlock()
        let text = String(decoding: body.prefix(length), as: UTF8.self)
        var actions = 0
        // The request is logged before the answer goes out, so a client that has its answer sees it logged.
        func respond(_ fd: Int32, status: Int, body: String, extra: String = "") {
            lock.lock(); requestLog.append((path, headers["content-type"], headers["authorization"], actions)); lock.unlock()
            self.respond(fd, status: status, body: body, extra: extra)
        }
        guard method == "POST", path == "/_bulk" else {
            respond(fd, status: 404, body: #"{"error":"no handler"}"#); return
        }
        if let expected = expectedAuthorization, headers["authorization"] != expected {
            respond(fd, status: 401, body: #"{"error":{"type":"security_exception","reason":"missing authentication credentials"},"status":401}"#); return
        }
        guard headers["content-type"]?.hasPrefix("application/x-ndjson") == true else {
            respond(fd, status: 400, body: #"{"error":{"type":"illegal_argument_exception","reason":"Content-Type must be application/x-ndjson"},"status":400}"#); return
        }
        if let status = queued {
            respond(fd, status: status, body: #"{"error":{"type":"es_rejected_execution_exception","reason":"scripted"},"status":\#(status)}"#,
                    extra: status == 429 ? "Retry-After: 0\r\n" : ""); return
        }
        guard text.hasSuffix("\n") else {
            respond(fd, status: 400, body: #"{"error":{"type":"illegal_argument_exception","reason":"The bulk request must be terminated by a newline [\n]"},"status":400}"#); return
        }
        let ndjson = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard ndjson.count % 2 == 0 else {
            respond(fd, status: 400, body: #"{"error":{"type":"illegal_argument_exception","reason":"action without a document"},"status":400}"#); return
        }
        var items: [String] = []
        var anyError = false
        var i = ndjson.startIndex
        while i < ndjson.endIndex {
            let actionLine = ndjson[i], docLine = ndjson[i + 1]
            i += 2
            guard let action = (try? JSONSerialization.jsonObject(with: Data(actionLine.utf8))) as? [String: Any], action.count == 1,
                  action["index"] != nil, let meta = action["index"] as? [String: Any],
                  let index = meta["_index"] as? String, let id = meta["_id"] as? String,
                  (try? JSONSerialization.jsonObject(with: Data(docLine.utf8))) is [String: Any] else {
                respond(fd, status: 400, body: #"{"error":{"type":"parse_exception","reason":"malformed action/document pair"},"status":400}"#); return
            }
            actions += 1
            lock.lock()
            let reject = rejectIds.contains(id)
            let throttle = throttleOnceIds.remove(id) != nil
            var created = false
            if !reject && !throttle { created = storedDocuments.updateValue(String(docLine), forKey: index + "/" + id) == nil }
            lock.unlock()
            if reject {
                anyError = true
                items.append(#"{"index":{"_index":"\#(index)","_id":"\#(id)","status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [value] of type [double]"}}}"#)
            } else if throttle {
                anyError = true
                items.append(#"{"index":{"_index":"\#(index)","_id":"\#(id)","status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution (queue capacity 200)"}}}"#)
            } else {
                items.append(#"{"index":{"_index":"\#(index)","_id":"\#(id)","_version":1,"result":"\#(created ? "created" : "updated")","status":\#(created ? 201 : 200)}}"#)
            }
        }
        respond(fd, status: 200, body: #"{"took":3,"errors":\#(anyError),"items":[\#(items.joined(separator: ","))]}"#)
    }

    private func findHeaderEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
        return nil
    }
}
