import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PostgresNIO
import RegisterDomain
import RegisterReports
import RegisterServices
import RegisterStore

/// Problems with the request itself rather than with the register's rules.
public enum RequestProblem: Error, Equatable {
    case unauthenticated
    case badCredentials
    case malformedJSON(String)
    case unsupportedMediaType(String?)
    case expectedMultipart(String?)
    case ifMatchRequired
    case badIfMatch(String)
    case badQuery(field: String, message: String)
    /// An unsafe request (or a GET that records a read) that a browser sent from another site.
    case crossSite
    /// A page form without this session's CSRF token.
    case missingFormToken
    /// A request body (an upload) that arrived too slowly and was ended: 408.
    case bodyTooSlow(String)
}

/// An RFC 9457 problem document, sent as `application/problem+json`.
struct Problem: Encodable {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var instance: String?
    /// The request id, to quote when asking for help; also in the server's log.
    var requestID: String
    /// Field-level problems of a 422.
    var errors: [FieldError]?
    /// For a refused lifecycle move: the states that may follow.
    var allowedNext: [String]?
    /// For a stale `If-Match`: the version the record is at now.
    var currentVersion: Int?

    enum CodingKeys: String, CodingKey {
        case type, title, status, detail, instance, errors
        case requestID = "request_id"
        case allowedNext = "allowed_next"
        case currentVersion = "current_version"
    }

    init(
        _ code: String, status: HTTPResponse.Status, title: String, detail: String, requestID: String,
        errors: [FieldError]? = nil, allowedNext: [String]? = nil, currentVersion: Int? = nil
    ) {
        self.type = "urn:learning-register:problem:\(code)"
        self.title = title
        self.status = status.code
        self.detail = detail
        self.requestID = requestID
        self.errors = errors
        self.allowedNext = allowedNext
        self.currentVersion = currentVersion
    }

    /// Maps any error to what the person is told. Unknown errors say nothing of internals.
    static func from(_ error: any Error, requestID: String) -> (HTTPResponse.Status, Problem, HTTPFields) {
        var headers = HTTPFields()
        func make(_ code: String, _ status: HTTPResponse.Status, _ title: String, _ detail: String,
                  errors: [FieldError]? = nil, allowed: [String]? = nil, version: Int? = nil) -> (HTTPResponse.Status, Problem, HTTPFields) {
            (status, Problem(code, status: status, title: title, detail: detail, requestID: requestID, errors: errors, allowedNext: allowed, currentVersion: version), headers)
        }
        switch error {
        case let v as ValidationError:
            let detail = v.errors.map(\.message).joined(separator: "; ")
            return make("validation", .unprocessableContent, "Some fields are not valid", detail, errors: v.errors)
        case let d as DomainError:
            switch d {
            case .notFound(let entity):
                return make("not-found", .notFound, "Not found", "There is no such \(entity), or you may not see it.")
            case .versionMismatch(let current):
                return make(
                    "stale-version", .preconditionFailed, "Changed since you read it",
                    "Someone changed this record since you read it (it is now at version \(current)). Read it again, reapply your change and send the new ETag in If-Match.",
                    version: current)
            case .transitionNotAllowed(let entity, let from, let to, let allowed):
                let next = allowed.isEmpty ? "nothing: \(from) is final" : allowed.joined(separator: ", ")
                return make(
                    "transition-not-allowed", .conflict, "That move is not allowed",
                    "A \(entity) that is \(from) cannot move to \(to). From \(from) it can move to: \(next).", allowed: allowed)
            case .reasonRequired(let entity, let to):
                return make(
                    "validation", .unprocessableContent, "A reason is required",
                    "Moving a \(entity) to \(to) needs a reason: say why in the reason field.",
                    errors: [FieldError(field: "reason", message: "a reason is required to move a \(entity) to \(to)")])
            case .duplicate(let field, let value):
                return make("duplicate", .conflict, "Already taken", "\(field) '\(value)' is already used by another record; choose another.")
            case .forbidden(let detail):
                return make("forbidden", .forbidden, "Not allowed", "Your role does not allow this: \(detail).")
            case .conflict(let detail):
                return make("conflict", .conflict, "Not possible in the record's current state", detail)
            case .tooLarge(let limit):
                return make(
                    "upload-too-large", .contentTooLarge, "The upload is too large",
                    "One submission may carry at most \(limit / 1_048_576 > 0 ? "\(limit / 1_048_576) MiB" : "\(limit / 1024) KiB") of files (\(limit) bytes). Send fewer or smaller files, or split the evidence into several submissions.")
            case .unsupportedFile(let detail):
                return make("unsupported-file-type", .unsupportedMediaType, "That kind of file is not accepted", detail)
            case .busy(let detail):
                headers[.retryAfter] = "30"
                return make("busy", .serviceUnavailable, "The register is busy", detail)
            case .tooManyAtOnce(let detail, let retryAfter):
                headers[.retryAfter] = String(retryAfter)
                return make("too-many-at-once", .tooManyRequests, "Too many at once", detail)
            }
        case let r as RequestProblem:
            switch r {
            case .unauthenticated:
                headers[.wwwAuthenticate] = "Bearer realm=\"learning-register\""
                return make("unauthenticated", .unauthorized, "Sign in first", "Sign in (POST /api/v1/session) or send an API token as 'Authorization: Bearer …'.")
            case .badCredentials:
                return make("bad-credentials", .unauthorized, "Sign-in failed", "The e-mail address or password is wrong, or the account is disabled.")
            case .malformedJSON(let detail):
                return make("malformed-json", .badRequest, "The body is not valid JSON", detail)
            case .unsupportedMediaType(let given):
                return make(
                    "unsupported-media-type", .unsupportedMediaType, "Send JSON",
                    "Send the body as application/json\(given.map { " (this request said \($0))" } ?? "").")
            case .expectedMultipart(let given):
                return make(
                    "unsupported-media-type", .unsupportedMediaType, "Send a file upload",
                    "Send evidence as multipart/form-data with fields summary, kind, effective_date and one or more files\(given.map { " (this request said \($0))" } ?? "").")
            case .ifMatchRequired:
                return make(
                    "if-match-required", .preconditionRequired, "If-Match is required",
                    "Send the ETag you read in an If-Match header, so a change made meanwhile by someone else is not overwritten.")
            case .badIfMatch(let value):
                return make(
                    "bad-if-match", .badRequest, "If-Match is not well formed",
                    "If-Match '\(value)' is neither * nor a list of quoted ETags such as \"3\"; GET the record and use its ETag.")
            case .badQuery(let field, let message):
                return make("validation", .unprocessableContent, "A query parameter is not valid", message, errors: [FieldError(field: field, message: message)])
            case .crossSite:
                return make(
                    "cross-site", .forbidden, "Refused: sent from another site",
                    "The register only accepts changes and downloads sent from its own pages. Open the register's own page and try again.")
            case .bodyTooSlow(let detail):
                headers[.connection] = "close"
                return make("upload-too-slow", .requestTimeout, "The upload was too slow", detail)
            case .missingFormToken:
                return make(
                    "form-expired", .forbidden, "The form has expired",
                    "The form was not sent from this sign-in's own page (or it is from an earlier sign-in). Go back, reload the page and send it again.")
            }
        case SignInRefusal.throttled(let seconds):
            headers[.retryAfter] = String(seconds)
            return make(
                "sign-in-throttled", .tooManyRequests, "Too many failed sign-ins",
                "Too many sign-ins have failed for this account or from this address. Wait \(seconds) second\(seconds == 1 ? "" : "s") (Retry-After), then try again.")
        case let busy as PasswordWorkBusy:
            headers[.retryAfter] = String(busy.retryAfterSeconds)
            return make(
                "sign-in-busy", .serviceUnavailable, "The register is busy",
                "The register is checking as many passwords as it can at once. Nothing was changed; try again after Retry-After seconds.")
        case let chain as ChainProblem:
            return make(
                "audit-chain-broken", .conflict, "The audit trail does not verify",
                "The audit trail failed verification (\(chain.description)), so no checkpoint or export was made. Tell the system owner: this needs investigating.")
        case is DatabaseUnavailable:
            // The database could not be reached or dropped the connection: try again shortly.
            headers[.retryAfter] = "5"
            return make("database-unavailable", .serviceUnavailable, "The register's database is unavailable", "The register cannot reach its database just now. Nothing was changed; try again in a moment.")
        case is DatabaseBusy:
            // Every pooled connection stayed in use for DATABASE_POOL_WAIT_MS: refused, not queued for ever.
            headers[.retryAfter] = "2"
            return make(
                "database-busy", .serviceUnavailable, "The register is busy",
                "The register is answering as many requests as it can at once. Nothing was changed; try again in a few seconds.")
        case is DatabaseTimedOut:
            // PostgreSQL cancelled a statement that ran past statement_timeout; its transaction was rolled back.
            headers[.retryAfter] = "10"
            return make(
                "took-too-long", .serviceUnavailable, "The register took too long",
                "The register stopped this request because it took too long. Nothing was changed; try again in a moment. If it keeps happening, ask for less at once (a narrower filter or a shorter period) or tell the system owner, quoting request id \(requestID).")
        case is NIOTooManyBytesError:
            // A JSON body or page form longer than its limit, found while it was being read.
            return make(
                "body-too-large", .contentTooLarge, "The request is too large",
                "The request body is longer than the register takes here (a JSON body at most 1 MB, a page form 256 KB). Nothing was changed; send less text.")
        case let h as HTTPError:
            let detail = h.body ?? (h.status == .contentTooLarge ? "The request body is too large." : h.status.reasonPhrase)
            return make("http-\(h.status.code)", h.status, h.status.reasonPhrase, detail)
        default:
            return make(
                "internal", .internalServerError, "Something went wrong on our side",
                "The register could not complete this request. Nothing was changed. Quote request id \(requestID) when reporting it.")
        }
    }
}

/// Catches every error a route throws and answers with problem+json for the API, or with an HTML
/// error page (same status) for the pages; logs what the person is not shown.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = RegisterRequestContext
    /// Renders a page's error; nil for the API alone (tests of the API).
    let errorPage: (@Sendable (Request, HTTPResponse.Status, Problem) -> Response)?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = context.requestID
        do {
            var response = try await next(request, context)
            response.headers[.requestID] = id
            return response
        } catch {
            let (status, problem, extraHeaders) = Problem.from(error, requestID: id)
            if status == .internalServerError {
                context.logger.error(
                    "request failed", metadata: ["request_id": "\(id)", "error": "\(StoreErrors.loggable(error))", "path": "\(request.uri.path)"])
            } else if status == .unauthorized || status == .forbidden {
                // Refused by authentication or access control: kept at the default log level.
                context.logger.notice(
                    "request refused", metadata: ["request_id": "\(id)", "status": "\(status.code)", "problem": "\(problem.type)", "path": "\(request.uri.path)"])
            } else {
                context.logger.info(
                    "request refused", metadata: ["request_id": "\(id)", "status": "\(status.code)", "problem": "\(problem.type)", "path": "\(request.uri.path)"])
            }
            if let errorPage, !request.uri.path.hasPrefix("/api/") {
                var response = errorPage(request, status, problem)
                response.headers[.requestID] = id
                if let retry = extraHeaders[.retryAfter] { response.headers[.retryAfter] = retry }
                return response
            }
            var headers = extraHeaders
            headers[.contentType] = "application/problem+json"
            headers[.requestID] = id
            let body = (try? JSON.body(problem)) ?? ByteBuffer(string: "{}")
            return Response(status: status, headers: headers, body: .init(byteBuffer: body))
        }
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-Id")!
    static let idempotencyKey = Self("Idempotency-Key")!
}
