import Foundation
/// Splits a migration file into statements at top-level semicolons.
///
/// PostgresNIO sends every query with the extended protocol, which takes one statement at a time,
/// so a file is split here. Quotes ('…', E'…', "…"), dollar quotes ($$…$$, $tag$…$tag$) and
/// comments (-- and nested /* */) are respected, so semicolons inside function bodies stay put.
public enum SQLScript {
    public static func statements(_ sql: String) -> [String] {
        let chars = Array(sql.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var i = 0
        func flush() {
            let text = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty, !isOnlyComments(text) { statements.append(text) }
            current = String.UnicodeScalarView()
        }
        func take(_ n: Int) {
            current.append(contentsOf: chars[i..<min(i + n, chars.count)])
            i += n
        }
        while i < chars.count {
            let c = chars[i]
            let next: Unicode.Scalar? = i + 1 < chars.count ? chars[i + 1] : nil
            switch c {
            case "-" where next == "-":
                while i < chars.count, chars[i] != "\n" { take(1) }
            case "/" where next == "*":
                var depth = 0
                repeat {
                    if chars[i] == "/", i + 1 < chars.count, chars[i + 1] == "*" { depth += 1; take(2) }
                    else if chars[i] == "*", i + 1 < chars.count, chars[i + 1] == "/" { depth -= 1; take(2) }
                    else { take(1) }
                } while depth > 0 && i < chars.count
            case "'":
                let backslashEscapes = i > 0 && (chars[i - 1] == "E" || chars[i - 1] == "e")
                take(1)
                while i < chars.count {
                    if backslashEscapes, chars[i] == "\\" { take(2); continue }
                    if chars[i] == "'" {
                        if i + 1 < chars.count, chars[i + 1] == "'" { take(2); continue }
                        take(1)
                        break
                    }
                    take(1)
                }
            case "\"":
                take(1)
                while i < chars.count {
                    if chars[i] == "\"" { take(1); break }
                    take(1)
                }
            case "$":
                // A dollar-quote tag is $$ or $identifier$; a parameter such as $1 is not one.
                var j = i + 1
                while j < chars.count, chars[j] == "_" || chars[j].properties.isAlphabetic || (j > i + 1 && chars[j].properties.numericType != nil) { j += 1 }
                if j < chars.count, chars[j] == "$" {
                    let tag = Array(chars[i...j])
                    take(tag.count)
                    while i < chars.count {
                        if chars[i] == "$", i + tag.count <= chars.count, Array(chars[i..<(i + tag.count)]) == tag {
                            take(tag.count)
                            break
                        }
                        take(1)
                    }
                } else {
                    take(1)
                }
            case ";":
                i += 1
                flush()
            default:
                take(1)
            }
        }
        flush()
        return statements
    }

    private static func isOnlyComments(_ text: String) -> Bool {
        text.split(separator: "\n").allSatisfy { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") || $0.trimmingCharacters(in: .whitespaces).isEmpty }
    }
}
