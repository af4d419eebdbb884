import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import RegisterDomain

/// Refuses requests a browser sent on behalf of another site: every unsafe request (pages and JSON
/// API alike) and the GETs that record something (evidence downloads, evidence packs, the audit
/// export) must come from the register's own origin. Bearer-token calls are not a browser's and pass.
struct SameOriginMiddleware<Context: RequestContext>: RouterMiddleware {
    /// GETs with side effects: each is recorded in the audit trail (every export: the reports, the
    /// reports page's summary figures, the clocks report, evidence packs, the audit export).
    static func recordsARead(_ path: String) -> Bool {
        path == "/reports" || path.hasSuffix("/reports/compliance") || path.hasSuffix("/reports/summary") || path.hasSuffix("/reports/clocks")
            || path.hasSuffix("/reports/evidence-pack") || path.hasSuffix("/audit/export")
            || (path.contains("/evidence/") && path.contains("/files/"))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.headers[.authorization] == nil else { return try await next(request, context) }
        let unsafe = ![.get, .head, .options].contains(request.method)
        if unsafe || Self.recordsARead(request.uri.path) {
            guard Self.sameOrigin(request, unsafe: unsafe) else { throw RequestProblem.crossSite }
        }
        return try await next(request, context)
    }

    /// `Sec-Fetch-Site` when the browser sends it, else `Origin` against the request's own host.
    /// A request with neither is not from a browser (a script with a cookie) and passes.
    static func sameOrigin(_ request: Request, unsafe: Bool) -> Bool {
        if let site = request.headers[.secFetchSite] {
            // "none": typed into the address bar or opened from a bookmark, which a GET may be.
            return site == "same-origin" || (!unsafe && site == "none")
        }
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority, origin != "null" else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }
}

/// Headers for every response: no sniffing, no framing, no referrer to other sites; pages get a
/// strict Content-Security-Policy.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    var contentSecurityPolicy: String {
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        // Pages (and error pages): nothing runs or loads but the register's own stylesheet and script.
        // Other answers keep their own policy (the printable report's, an evidence file's sandbox).
        if response.headers[.contentSecurityPolicy] == nil, response.headers[.contentType]?.hasPrefix("text/html") == true {
            response.headers[.contentSecurityPolicy] = contentSecurityPolicy
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "same-origin"
        response.headers[.xFrameOptions] = "DENY"
        // What the register answers is case data: kept by no cache unless the answer says otherwise
        // (the stylesheet and script, named by their hash, may be kept for a year).
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

/// Sends a person who is not signed in (or whose session has ended) to sign in, and back afterwards.
struct RequireSignInMiddleware: RouterMiddleware {
    typealias Context = RegisterRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.user == nil else { return try await next(request, context) }
        let back = request.method == .get ? SignInTarget.safe(request.uri.description) : nil
        return .redirect(to: "/sign-in" + (back.map { "?next=" + Form.percentEncode($0) } ?? ""), type: .normal)
    }
}

/// Where to go after signing in: only a path of this register, never another site.
enum SignInTarget {
    static func safe(_ raw: String?) -> String? {
        // Browsers drop tabs and newlines from an address and read a backslash as a slash, so
        // "/\t/evil.example" would become "//evil.example": refuse any space, control or backslash.
        guard let raw, raw.hasPrefix("/"), !raw.hasPrefix("//"), !raw.hasPrefix("/sign-"), !raw.hasPrefix("/api/"), raw.count <= 500,
            !raw.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || $0 == "\\" || $0.properties.isWhitespace }),
            URLComponents(string: raw)?.host == nil
        else { return nil }
        return raw
    }
}

/// The per-session token every page form carries: derived from the session's secret, so it needs
/// no storage and is different for each session. Sign-in, before any session, uses a random
/// cookie (`Cookies.signIn`) repeated in the form instead.
enum CSRF {

    static func token(forSession session: String) -> String {
        let digest = SHA256.hash(data: Data("learning-register csrf\u{0}\(session)".utf8))
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    /// Constant-time comparison, so the token cannot be guessed a byte at a time.
    static func matches(_ given: String?, _ expected: String) -> Bool {
        guard let given, given.utf8.count == expected.utf8.count else { return false }
        return zip(given.utf8, expected.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}

extension HTTPField.Name {
    static let secFetchSite = Self("Sec-Fetch-Site")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
