import Foundation

/// The one way text enters report.html and index.html. Result documents are untrusted (a strategy or arm
/// may be named `<script>…`), so every string from them goes through `text` (element content) or
/// `attribute` (a double-quoted attribute value); nothing is ever inserted raw.
public enum HTML {
    /// Escapes the five characters that can end text or an attribute or start markup (`& < > " '`), and
    /// shows control characters (other than tab and line break) as visible `\u{X}` escapes.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                    || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Reverses `escape` for the five entities it writes (used when the index reads a report's metadata).
    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// A link target from report text: only a relative path to a file the report wrote (letters, digits,
    /// `._-/`, no `..`, no scheme, no leading slash). Anything else (`javascript:`, `https://…`) is refused,
    /// so a hostile name can neither run code nor make the page reach the network.
    static func safeRelativeHref(_ href: String) -> String? {
        guard !href.isEmpty, href.count <= 512, !href.hasPrefix("/"), !href.contains("..") else { return nil }
        let allowed = href.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "._-/#".unicodeScalars.contains($0)
        }
        return allowed ? href : nil
    }

    /// A percent-encoded relative URL of a path under the index folder (each component encoded).
    static func encodePath(_ components: [String]) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~")
        return components.map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "_" }.joined(separator: "/")
    }

    /// An `id` attribute value: lower-case letters, digits and dashes.
    static func idSlug(_ s: String) -> String {
        var out = ""
        for ch in s.lowercased().unicodeScalars {
            if ("a"..."z").contains(ch) || ("0"..."9").contains(ch) { out.unicodeScalars.append(ch) } else if !out.hasSuffix("-") { out += "-" }
        }
        while out.hasSuffix("-") { out.removeLast() }
        while out.hasPrefix("-") { out.removeFirst() }
        return out.isEmpty ? "section" : String(out.prefix(60))
    }
}

/// Inline Markdown as RecLab's reports write it (`**bold**`, `` `code` ``, `[text](relative link)`), to HTML.
/// Every piece of text is escaped; only the tags written here appear. Unmatched markers stay as text.
enum InlineMarkdown {
    static func html(_ s: String) -> String {
        let chars = Array(s)
        var out = ""
        var plain = ""
        var i = 0
        var bold = false
        func flush() { out += HTML.escape(plain); plain = "" }
        func find(_ needle: [Character], from start: Int) -> Int? {
            guard needle.count <= chars.count else { return nil }
            var j = start
            while j + needle.count <= chars.count {
                if Array(chars[j..<(j + needle.count)]) == needle { return j }
                j += 1
            }
            return nil
        }
        while i < chars.count {
            let ch = chars[i]
            if ch == "`", let end = find(["`"], from: i + 1) {
                flush()
                out += "<code>" + HTML.escape(String(chars[(i + 1)..<end])) + "</code>"
                i = end + 1
                continue
            }
            if ch == "*", i + 1 < chars.count, chars[i + 1] == "*" {
                if bold {
                    flush(); out += "</strong>"; bold = false; i += 2; continue
                }
                if find(["*", "*"], from: i + 2) != nil {
                    flush(); out += "<strong>"; bold = true; i += 2; continue
                }
            }
            if ch == "[", let close = find(["]", "("], from: i + 1), let end = find([")"], from: close + 2) {
                let label = String(chars[(i + 1)..<close])
                let href = String(chars[(close + 2)..<end])
                if !label.contains("["), let safe = HTML.safeRelativeHref(href) {
                    flush()
                    out += "<a href=\"" + HTML.escape(safe) + "\">" + HTML.escape(label) + "</a>"
                    i = end + 1
                    continue
                }
            }
            plain.append(ch)
            i += 1
        }
        flush()
        if bold { out += "</strong>" }
        return out
    }
}
