import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RecLabCore

/// How the client authenticates. The command line never carries a secret: `reclab export` builds this
/// from RECLAB_ES_USER / RECLAB_ES_PASSWORD or RECLAB_ES_API_KEY.
public enum ESCredentials: Sendable, Equatable {
    case none
    case basic(user: String, password: String)
    /// The encoded API key Elasticsearch returns (`encoded`), sent as `Authorization: ApiKey <key>`.
    case apiKey(String)

    var header: String? {
        switch self {
        case .none: return nil
        case .basic(let user, let password): return "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        case .apiKey(let key): return "ApiKey " + key
        }
    }
}

/// A bulk item Elasticsearch did not index.
public struct ESItemFailure: Equatable, Sendable {
    public var index: String
    public var id: String
    public var status: Int
    public var type: String
    public var reason: String
}

public struct ESBulkOutcome: Equatable, Sendable {
    public var indexed = 0
    public var failures: [ESItemFailure] = []
    /// HTTP requests made, retries included.
    public var requests = 0
    public var retries = 0
}

/// Sends documents to an Elasticsearch cluster with `POST /_bulk` (Content-Type `application/x-ndjson`),
/// in chunks of at most `maxChunkDocuments` documents and `maxChunkBytes` bytes.
///
/// - TLS: URLSession's default certificate checks; there is no way to turn them off.
/// - Retries: a 429 or 5xx response, or a failed connection, is retried with exponential backoff
///   (`baseDelay` · 2^attempt, at most `maxDelay`, or the server's Retry-After when longer), up to `maxAttempts`
///   requests per chunk; bulk items rejected with 429 are sent again the same way.
/// - Nothing is lost silently: every item of the response is checked, the response must list exactly the
///   items sent, and items that failed (or were still rejected after the last attempt) are returned with
///   their status and reason. Any other HTTP error (401, 400, ...) stops the export with its status and body.
public struct ElasticsearchClient: Sendable {
    public var baseURL: URL
    public var credentials: ESCredentials
    public var maxAttempts = 6
    public var baseDelay = 0.5
    public var maxDelay = 30.0
    public var maxChunkDocuments = 1000
    public var maxChunkBytes = 5 << 20
    public var timeout = 60.0
    /// Waits between attempts (tests pass one that records instead of sleeping).
    public var sleep: @Sendable (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }
    public var log: @Sendable (String) -> Void = { _ in }

    /// Checks the URL: http or https with a host, no credentials in it, no query or fragment; credentials
    /// only over https unless the host is this machine (they would cross the network in clear text).
    public init(url: String, credentials: ESCredentials) throws {
        guard let u = URL(string: url), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = u.host, !host.isEmpty else {
            throw RecLabError.usage("--es \(SafeName.printable(url)) is not an http:// or https:// URL with a host")
        }
        guard u.user == nil, u.password == nil else {
            throw RecLabError.usage("--es URL must not hold credentials; set RECLAB_ES_USER and RECLAB_ES_PASSWORD, or RECLAB_ES_API_KEY")
        }
        guard u.query == nil, u.fragment == nil else {
            throw RecLabError.usage("--es URL must be the cluster's base URL, without ?query or #fragment")
        }
        let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased())
        if scheme == "http" && credentials != .none && !loopback {
            throw RecLabError.usage("refusing to send Elasticsearch credentials over plain http to \(host); use https")
        }
        self.baseURL = u
        self.credentials = credentials
    }

    /// The documents split into bulk requests.
    func chunks(_ documents: [ESDocument]) -> [[ESDocument]] {
        var out: [[ESDocument]] = []
        var current: [ESDocument] = []
        var bytes = 0
        for d in documents {
            let size = d.bulkLines.utf8.count
            if !current.isEmpty && (current.count >= maxChunkDocuments || bytes + size > maxChunkBytes) {
                out.append(current); current = []; bytes = 0
            }
            current.append(d); bytes += size
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    public func send(_ documents: [ESDocument]) throws -> ESBulkOutcome {
        var outcome = ESBulkOutcome()
        let endpoint = baseURL.appendingPathComponent("_bulk")
        for (c, chunk) in chunks(documents).enumerated() {
            var pending = chunk
            var attempt = 0
            while !pending.isEmpty {
                attempt += 1
                outcome.requests += 1
                let body = Data(pending.map(\.bulkLines).joined().utf8)
                let response: (status: Int, body: Data, retryAfter: Double?)
                do {
                    response = try post(endpoint, body: body)
                } catch let error as RecLabError {
                    guard attempt < maxAttempts else {
                        throw RecLabError.io("\(error.message); \(pending.count) documents of request \(c + 1) and every later one were not sent", file: endpoint.absoluteString)
                    }
                    backoff(attempt, retryAfter: nil, why: error.message, &outcome)
                    continue
                }
                if response.status == 429 || (500...599).contains(response.status) {
                    guard attempt < maxAttempts else {
                        throw RecLabError.io("Elasticsearch answered HTTP \(response.status) \(maxAttempts) times: \(snippet(response.body)); " +
                                             "\(pending.count) documents of request \(c + 1) and every later one were not sent", file: endpoint.absoluteString)
                    }
                    backoff(attempt, retryAfter: response.retryAfter, why: "HTTP \(response.status)", &outcome)
                    continue
                }
                guard (200...299).contains(response.status) else {
                    throw RecLabError.io("Elasticsearch answered HTTP \(response.status): \(snippet(response.body)); " +
                                         "\(outcome.indexed) documents were indexed before, the rest were not sent", file: endpoint.absoluteString)
                }
                let items = try parseItems(response.body, expected: pending, url: endpoint.absoluteString)
                var again: [ESDocument] = []
                for (doc, item) in zip(pending, items) {
                    if (200...299).contains(item.status) {
                        outcome.indexed += 1
                    } else if item.status == 429 && attempt < maxAttempts {
                        again.append(doc)
                    } else {
                        outcome.failures.append(ESItemFailure(index: doc.index, id: doc.id, status: item.status, type: item.type,
                                                              reason: item.status == 429 ? "\(item.reason) (still rejected after \(attempt) attempts)" : item.reason))
                    }
                }
                if !again.isEmpty { backoff(attempt, retryAfter: nil, why: "\(again.count) items rejected with 429", &outcome) }
                pending = again
            }
        }
        return outcome
    }

    func backoff(_ attempt: Int, retryAfter: Double?, why: String, _ outcome: inout ESBulkOutcome) {
        let delay = max(min(maxDelay, baseDelay * pow(2, Double(attempt - 1))), min(retryAfter ?? 0, maxDelay))
        log("[export] \(why); retrying in \(String(format: "%.1f", delay)) s (attempt \(attempt + 1) of \(maxAttempts))")
        outcome.retries += 1
        sleep(delay)
    }

    func snippet(_ body: Data) -> String {
        let text = String(decoding: body.prefix(600), as: UTF8.self)
        return SafeName.printable(text.isEmpty ? "(empty body)" : text)
    }

    struct Item { var status: Int; var type: String; var reason: String }

    /// The per-item results of a bulk response, in request order; their count and ids must match the request.
    func parseItems(_ body: Data, expected: [ESDocument], url: String) throws -> [Item] {
        guard let root = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let items = root["items"] as? [Any] else {
            throw RecLabError.io("the bulk response is not JSON with an items list: \(snippet(body))", file: url)
        }
        guard items.count == expected.count else {
            throw RecLabError.io("the bulk response lists \(items.count) items for \(expected.count) sent; cannot tell which were indexed", file: url)
        }
        var out: [Item] = []
        for (item, doc) in zip(items, expected) {
            guard let wrapper = item as? [String: Any], wrapper.count == 1, let result = wrapper.values.first as? [String: Any],
                  let status = result["status"] as? Int else {
                throw RecLabError.io("a bulk response item has no status: \(snippet(body))", file: url)
            }
            if let id = result["_id"] as? String, id != doc.id {
                throw RecLabError.io("the bulk response items are out of order (item for \(SafeName.printable(id)) where \(doc.id) was sent)", file: url)
            }
            let error = result["error"] as? [String: Any]
            out.append(Item(status: status, type: error?["type"] as? String ?? "", reason: error?["reason"] as? String ?? ""))
        }
        return out
    }

    /// One POST; the response status, body and Retry-After (seconds). A connection failure is a RecLabError.
    func post(_ url: URL, body: Data) throws -> (status: Int, body: Data, retryAfter: Double?) {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/x-ndjson", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let auth = credentials.header { request.setValue(auth, forHTTPHeaderField: "Authorization") }
        let box = ResponseBox()
        let done = DispatchSemaphore(value: 0)
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        session.dataTask(with: request) { data, response, error in
            box.set(data, response, error)
            done.signal()
        }.resume()
        done.wait()
        let (data, response, error) = box.get()
        if let error { throw RecLabError.io("cannot reach Elasticsearch: \(error.localizedDescription)", file: url.absoluteString) }
        guard let http = response as? HTTPURLResponse else {
            throw RecLabError.io("no HTTP response from Elasticsearch", file: url.absoluteString)
        }
        let retryAfter = (http.value(forHTTPHeaderField: "Retry-After")).flatMap(Double.init)
        return (http.statusCode, data ?? Data(), retryAfter)
    }
}

/// The completion handler's results, handed from URLSession's delegate queue to the waiting caller.
/// `@unchecked Sendable`: every access holds the lock, and the semaphore orders the one write before the read.
private final class ResponseBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: (Data?, URLResponse?, Error?) = (nil, nil, nil)
    func set(_ d: Data?, _ r: URLResponse?, _ e: Error?) { lock.lock(); value = (d, r, e); lock.unlock() }
    func get() -> (Data?, URLResponse?, Error?) { lock.lock(); defer { lock.unlock() }; return value }
}
