import Foundation

/// Makes a gnuplot SVG safe to place inline in report.html. The SVG is parsed and written again from an
/// allow-list: drawing elements only (no `script`, `foreignObject`, `image`, `a`, `style`), no event
/// attributes, links only to fragments inside the same chart, and every text and attribute value escaped
/// anew. Chart titles and labels carry untrusted names, so this does not rely on gnuplot's own escaping.
/// Ids get a per-chart prefix so the charts of one page do not share (and clash on) ids.
/// Returns nil when the SVG holds anything outside the allow-list, so the caller leaves the chart out
/// rather than inlining something unchecked.
enum SVGInline {
    static let allowedElements: Set<String> = [
        "svg", "g", "defs", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan",
        "title", "desc", "use", "clipPath", "linearGradient", "radialGradient", "stop", "pattern", "marker", "symbol",
        "filter", "feFlood", "feComposite", "feOffset", "feGaussianBlur", "feMerge", "feMergeNode", "feBlend",
    ]

    static func sanitize(_ svg: String, idPrefix: String) -> String? {
        let s = Array(svg.unicodeScalars)
        var i = 0
        var out = ""
        var stack: [String] = []
        var sawRoot = false
        func starts(_ p: String, at j: Int) -> Bool {
            let ps = Array(p.unicodeScalars)
            guard j + ps.count <= s.count else { return false }
            for k in 0..<ps.count where s[j + k] != ps[k] { return false }
            return true
        }
        func index(of p: String, from j: Int) -> Int? {
            var k = j
            while k < s.count { if starts(p, at: k) { return k }; k += 1 }
            return nil
        }
        while i < s.count {
            if s[i] != "<" {
                var text = String.UnicodeScalarView()
                while i < s.count && s[i] != "<" { text.append(s[i]); i += 1 }
                guard let decoded = decodeEntities(String(text)) else { return nil }
                if !stack.isEmpty { out += HTML.escape(decoded) }
                continue
            }
            if starts("<?", at: i) { guard let e = index(of: "?>", from: i) else { return nil }; i = e + 2; continue }
            if starts("<!--", at: i) { guard let e = index(of: "-->", from: i) else { return nil }; i = e + 3; continue }
            if starts("<![CDATA[", at: i) {
                guard let e = index(of: "]]>", from: i) else { return nil }
                if !stack.isEmpty { out += HTML.escape(String(String.UnicodeScalarView(s[(i + 9)..<e]))) }
                i = e + 3
                continue
            }
            if starts("<!DOCTYPE", at: i) || starts("<!doctype", at: i) {
                // gnuplot's doctype has no internal subset; one with brackets is refused.
                guard let e = index(of: ">", from: i) else { return nil }
                if String(String.UnicodeScalarView(s[i..<e])).contains("[") { return nil }
                i = e + 1
                continue
            }
            if starts("</", at: i) {
                guard let e = index(of: ">", from: i) else { return nil }
                let name = String(String.UnicodeScalarView(s[(i + 2)..<e])).trimmingCharacters(in: .whitespacesAndNewlines)
                guard stack.last == name else { return nil }
                stack.removeLast()
                out += "</\(name)>"
                i = e + 1
                continue
            }
            // A start tag: name, attributes, optional self-closing slash.
            i += 1
            var name = ""
            while i < s.count, isNameChar(s[i]) { name.unicodeScalars.append(s[i]); i += 1 }
            guard allowedElements.contains(name) else { return nil }
            if name == "svg" { if stack.isEmpty { guard !sawRoot else { return nil }; sawRoot = true } }
            guard !stack.isEmpty || name == "svg" else { return nil }
            var attributes: [(String, String)] = []
            var selfClosing = false
            while true {
                while i < s.count, s[i] == " " || s[i] == "\n" || s[i] == "\t" || s[i] == "\r" { i += 1 }
                guard i < s.count else { return nil }
                if s[i] == ">" { i += 1; break }
                if s[i] == "/" {
                    guard i + 1 < s.count, s[i + 1] == ">" else { return nil }
                    selfClosing = true; i += 2; break
                }
                var attr = ""
                while i < s.count, isNameChar(s[i]) { attr.unicodeScalars.append(s[i]); i += 1 }
                // gnuplot writes `name = 'value'` in places: XML allows white space around the `=`.
                func skipSpace() { while i < s.count, s[i] == " " || s[i] == "\n" || s[i] == "\t" || s[i] == "\r" { i += 1 } }
                skipSpace()
                guard !attr.isEmpty, i < s.count, s[i] == "=" else { return nil }
                i += 1
                skipSpace()
                guard i < s.count, s[i] == "'" || s[i] == "\"" else { return nil }
                let quote = s[i]
                i += 1
                var raw = String.UnicodeScalarView()
                while i < s.count, s[i] != quote { raw.append(s[i]); i += 1 }
                guard i < s.count, let value = decodeEntities(String(raw)) else { return nil }
                i += 1
                guard let kept = attribute(attr, value, idPrefix: idPrefix) else { return nil }
                if let kept { attributes.append(kept) }
            }
            out += "<" + name
            for (a, v) in attributes { out += " \(a)=\"\(HTML.escape(v))\"" }
            if selfClosing {
                out += "/>"
            } else {
                out += ">"
                stack.append(name)
            }
        }
        guard stack.isEmpty, sawRoot else { return nil }
        return out
    }

    static func isNameChar(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == ":" || c == "-" || c == "_" || c == "."
    }

    /// The attribute to write: `.some(nil)` drops it silently (XML namespace noise), nil refuses the SVG.
    static func attribute(_ name: String, _ value: String, idPrefix: String) -> (String, String)?? {
        let lower = name.lowercased()
        if lower.hasPrefix("on") { return nil }
        if lower == "xml:space" { return .some(nil) }
        if lower == "xmlns" { return .some(nil) }
        if lower.hasPrefix("xmlns:") { return lower == "xmlns:xlink" ? .some(nil) : nil }
        if lower == "href" || lower == "xlink:href" {
            guard value.hasPrefix("#"), isPlainId(String(value.dropFirst())) else { return nil }
            return .some(("href", "#" + idPrefix + value.dropFirst()))
        }
        if lower == "id" {
            guard isPlainId(value) else { return nil }
            return .some(("id", idPrefix + value))
        }
        // Values may point only at fragments of this chart (clip paths, gradients).
        let lowerValue = value.lowercased()
        if lowerValue.contains("javascript:") || lowerValue.contains("expression(") || lowerValue.contains("@import") { return nil }
        var rewritten = value
        if lowerValue.contains("url(") {
            var result = ""
            var rest = Substring(value)
            while let r = rest.range(of: "url(") {
                result += rest[..<r.lowerBound]
                let after = rest[r.upperBound...]
                guard let close = after.firstIndex(of: ")") else { return nil }
                let target = after[..<close].trimmingCharacters(in: CharacterSet(charactersIn: " '\""))
                guard target.hasPrefix("#"), isPlainId(String(target.dropFirst())) else { return nil }
                result += "url(#" + idPrefix + target.dropFirst() + ")"
                rest = after[after.index(after: close)...]
            }
            rewritten = result + rest
        }
        guard name.unicodeScalars.allSatisfy(isNameChar) else { return nil }
        return .some((name, rewritten))
    }

    static func isPlainId(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 100 && s.unicodeScalars.allSatisfy { isNameChar($0) && $0 != ":" }
    }

    /// XML entities: the five named ones and numeric references; anything else refuses the SVG.
    static func decodeEntities(_ s: String) -> String? {
        guard s.contains("&") else { return s }
        var out = ""
        var rest = Substring(s)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semi) <= 10 else { return nil }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "lt": out += "<"
            case "gt": out += ">"
            case "amp": out += "&"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let code: UInt32?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") { code = UInt32(entity.dropFirst(2), radix: 16) }
                else if entity.hasPrefix("#") { code = UInt32(entity.dropFirst()) }
                else { code = nil }
                guard let code, let scalar = Unicode.Scalar(code) else { return nil }
                out.unicodeScalars.append(scalar)
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }
}
