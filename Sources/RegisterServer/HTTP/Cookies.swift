import Hummingbird

/// The register's cookies — the session, the sign-in form's CSRF token and the banner after an
/// action — named and set the same way everywhere.
///
/// When cookies are Secure (whenever the register is reachable from other machines, see
/// `AppConfiguration.secureCookies`) each name carries the `__Host-` prefix, which browsers accept
/// only from HTTPS, with `Secure`, `Path=/` and no `Domain`: so neither plain HTTP nor a
/// neighbouring subdomain can set or overwrite them. Only the name of the current mode is read.
struct Cookies: Sendable {
    static let session = "lr_session"
    static let signIn = "lr_signin"
    static let flash = "lr_flash"

    let secure: Bool

    func name(_ base: String) -> String { secure ? "__Host-" + base : base }

    func value(_ base: String, in request: Request) -> String? { request.cookies[name(base)]?.value }

    /// A `Set-Cookie` value: always `HttpOnly`; `path` applies to plain cookies only (`__Host-` ones
    /// must have `Path=/`). A `maxAge` of 0 clears the cookie.
    func set(_ base: String, _ value: String, maxAge: Int, sameSite: String = "Lax", path: String = "/") -> String {
        "\(name(base))=\(value); Path=\(secure ? "/" : path); Max-Age=\(maxAge); HttpOnly; SameSite=\(sameSite)" + (secure ? "; Secure" : "")
    }
}
