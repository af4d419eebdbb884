/// One field that failed validation, with a message a person can act on.
public struct FieldError: Error, Equatable, Sendable, Codable {
    /// The JSON field name, dotted for nested fields (`themes[2]`).
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// Input that breaks the register's rules; answered 422 with every problem listed.
public struct ValidationError: Error, Equatable, Sendable {
    public var errors: [FieldError]

    public init(_ errors: [FieldError]) { self.errors = errors }
    public init(field: String, message: String) { self.errors = [FieldError(field: field, message: message)] }
}

/// Errors of the register's rules, mapped to HTTP in one place by the server.
public enum DomainError: Error, Equatable, Sendable {
    /// The record does not exist, or the caller may not know it exists.
    case notFound(String)
    /// The caller's copy is stale: the record is now at `current` version.
    case versionMismatch(current: Int)
    /// A lifecycle move that the state machine does not allow from here.
    case transitionNotAllowed(entity: String, from: String, to: String, allowed: [String])
    /// A negative transition (return, reopen, not implemented, not published) without its reason.
    case reasonRequired(entity: String, to: String)
    /// A value that must be unique is already taken.
    case duplicate(field: String, value: String)
    /// The signed-in person's role does not allow the action.
    case forbidden(String)
    /// The request is sound but the register's current state refuses it (already decided, not yet assured…).
    case conflict(String)
    /// An upload larger than the register accepts.
    case tooLarge(limitBytes: Int64)
    /// A file that is not a document or image the register accepts, or whose content does not match its name.
    case unsupportedFile(String)
    /// The server is receiving as many uploads as it takes at once; the request may be sent again shortly.
    case busy(String)
    /// This person is already doing as much of this at once as one person may (429); they may try
    /// again after `retryAfterSeconds`.
    case tooManyAtOnce(String, retryAfterSeconds: Int)
}
