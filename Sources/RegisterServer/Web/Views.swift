import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The pages' templates (Mustache, in `Resources/web/templates`) and stylesheet, loaded once at start.
struct Views: Sendable {
    let library: MustacheLibrary
    let stylesheet: ByteBuffer
    /// `/assets/register-<first 12 hex of its SHA-256>.css`: a new name whenever it changes, so it can be cached for a year.
    let stylesheetPath: String
    /// The one script: a progress bar for uploads (pages work without it).
    let script: ByteBuffer
    let scriptPath: String

    /// Loads the bundled templates and stylesheet; a broken template stops start-up with its name.
    static func load() -> Views {
        guard let folder = Bundle.module.url(forResource: "web", withExtension: nil) else {
            preconditionFailure("the web resources are missing from the build")
        }
        var library = MustacheLibrary()
        let templates = folder.appendingPathComponent("templates")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: templates.path)) ?? []
        for name in names where name.hasSuffix(".mustache") {
            do {
                let text = try String(contentsOf: templates.appendingPathComponent(name), encoding: .utf8)
                try library.register(text, named: String(name.dropLast(".mustache".count)))
            } catch {
                preconditionFailure("template \(name) does not parse: \(error)")
            }
        }
        guard let css = try? Data(contentsOf: folder.appendingPathComponent("register.css")) else {
            preconditionFailure("register.css is missing from the build")
        }
        guard let js = try? Data(contentsOf: folder.appendingPathComponent("upload.js")) else {
            preconditionFailure("upload.js is missing from the build")
        }
        func hash(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined().prefix(12).description }
        return Views(
            library: library, stylesheet: ByteBuffer(bytes: css), stylesheetPath: "/assets/register-\(hash(css)).css",
            script: ByteBuffer(bytes: js), scriptPath: "/assets/upload-\(hash(js)).js")
    }

    /// Renders `template` (which fills the layout's blocks) with the page's values and the layout's own.
    func render(_ template: String, _ values: [String: Any], chrome: Chrome) -> String {
        var all = values
        all["chrome"] = chrome.values(stylesheet: stylesheetPath, script: scriptPath)
        guard let html = library.render(Self.blanksAsNothing(all), withTemplate: template) else {
            preconditionFailure("no template named \(template)")
        }
        return html
    }

    /// Mustache counts an empty string or an absent optional as something, so `{{#reason}}…{{/reason}}`
    /// would draw an empty paragraph: both are made nothing (which still draws as "" where printed).
    static func blanksAsNothing(_ value: Any) -> Any {
        switch value {
        case let text as String: return text.isEmpty ? NSNull() : text
        case let dictionary as [String: Any]: return dictionary.mapValues(blanksAsNothing)
        case let array as [[String: Any]]: return array.map { $0.mapValues(blanksAsNothing) }
        case let array as [Any]: return array.map(blanksAsNothing)
        default:
            // An absent optional put into the values is nothing too (Mustache would count it as something).
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .optional {
                guard let wrapped = mirror.children.first?.value else { return NSNull() }
                return blanksAsNothing(wrapped)
            }
            return value
        }
    }

    /// An HTML response: never cached (pages show case data), with the page's status.
    func page(_ template: String, _ values: [String: Any], chrome: Chrome, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: render(template, values, chrome: chrome))))
    }

    /// The stylesheet, cacheable for a year under its content-hashed name.
    func stylesheetResponse() -> Response { asset(stylesheet, type: "text/css; charset=utf-8") }

    /// The script, likewise.
    func scriptResponse() -> Response { asset(script, type: "text/javascript; charset=utf-8") }

    private func asset(_ bytes: ByteBuffer, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "public, max-age=31536000, immutable"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: bytes))
    }
}

/// What the layout shows around every page: the person, their organisation, the navigation, the
/// banner after an action, the CSRF token for the sign-out form.
struct Chrome: Sendable {
    var title: String
    var person: String?
    var organisation: String?
    var csrfToken: String?
    var navigation: [(label: String, path: String)] = []
    var currentPath: String = "/"
    var banner: String?

    func values(stylesheet: String, script: String) -> [String: Any] {
        var values: [String: Any] = ["title": title, "stylesheet": stylesheet, "script": script]
        if let person { values["person"] = person }
        if let organisation { values["organisation"] = organisation }
        if let csrfToken { values["csrf"] = csrfToken }
        if let banner { values["banner"] = banner }
        values["navigation"] = navigation.map { item -> [String: Any] in
            let current = item.path == "/" ? currentPath == "/" : currentPath.hasPrefix(item.path)
            return ["label": item.label, "path": item.path, "current": current]
        }
        values["hasNavigation"] = !navigation.isEmpty
        return values
    }
}
