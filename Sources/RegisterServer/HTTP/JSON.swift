import Foundation
import HTTPTypes
import Hummingbird
import RegisterDomain

/// The API's JSON conventions: ISO 8601 times in UTC, snake_case names given by each type's keys.
enum JSON {
    /// Foundation's encoder with the API's settings: the reference `JSONStreamEncoder` is held to
    /// (`JSONWriterTests`), and used where a body is read, not for what the API sends.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        // Sorted: Foundation keeps a record's fields in a hash table, so without it they come back in a different order each run.
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Largest JSON body accepted; evidence files have their own, larger limit.
    static let maxBodyBytes = 1024 * 1024

    /// A JSON response with an optional ETag.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, etag: Int? = nil, headers extra: HTTPFields = [:]) throws -> Response {
        var headers = extra
        headers[.contentType] = "application/json; charset=utf-8"
        if let etag { headers[.eTag] = ETag.header(etag) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: try body(value)))
    }

    /// The bytes of a JSON body, as every API answer writes them (`JSONStreamEncoder`).
    static func body(_ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONStreamEncoder.encode(value))
    }

    /// Reads a JSON object body into `T`, refusing fields `T` does not have.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext, fields: Set<String>) async throws -> T {
        let object = try await object(from: request, context: context)
        try refuseUnknown(object, fields: fields)
        return try decode(T.self, from: .object(object))
    }

    /// Reads a draft for creation.
    static func decodeDraft<D: Draft>(_ type: D.Type, from request: Request, context: some RequestContext) async throws -> D {
        try await decode(D.self, from: request, context: context, fields: D.fieldNames)
    }

    /// Applies a JSON Merge Patch (RFC 7396) body to the current draft: fields sent replace the
    /// current values, `null` clears an optional field, fields not sent stay as they are.
    static func merge<D: Draft>(_ current: D, patchFrom request: Request, context: some RequestContext) async throws -> D {
        let patch = try await object(from: request, context: context)
        try refuseUnknown(patch, fields: D.fieldNames)
        guard case .object(var merged) = try JSONValue.from(encodable: current, encoder: encoder) else { return current }
        for (key, value) in patch {
            if case .null = value { merged[key] = nil } else { merged[key] = value }
        }
        return try decode(D.self, from: .object(merged))
    }

    private static func object(from request: Request, context: some RequestContext) async throws -> [String: JSONValue] {
        let contentType = request.headers[.contentType]
        let mediaType = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard let mediaType, mediaType == "application/json" || mediaType.hasSuffix("+json") else {
            throw RequestProblem.unsupportedMediaType(contentType)
        }
        var request = request
        let buffer = try await request.collectBody(upTo: maxBodyBytes)
        let value: JSONValue
        do {
            value = try decoder.decode(JSONValue.self, from: Data(buffer: buffer))
        } catch {
            throw RequestProblem.malformedJSON("The body could not be read as JSON (\(describe(error).trimmingCharacters(in: CharacterSet(charactersIn: ".")))). Check quotes, commas and brackets.")
        }
        guard case .object(let object) = value else {
            throw RequestProblem.malformedJSON("The body must be a JSON object ({ … }).")
        }
        return object
    }

    private static func refuseUnknown(_ object: [String: JSONValue], fields: Set<String>) throws {
        let unknown = object.keys.filter { !fields.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw ValidationError(unknown.map {
                FieldError(field: $0, message: "\($0) is not a field that can be set here; allowed fields: \(fields.sorted().joined(separator: ", "))")
            })
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        do {
            return try decoder.decode(T.self, from: try encoder.encode(value))
        } catch let error as DecodingError {
            throw ValidationError([fieldError(error)])
        }
    }

    /// Says which field is wrong and how, in words a person can act on.
    static func fieldError(_ error: DecodingError) -> FieldError {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce("") { result, key in
                if let index = key.intValue { return result + "[\(index)]" }
                return result.isEmpty ? key.stringValue : result + "." + key.stringValue
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return FieldError(field: field, message: "\(field) is required")
        case .valueNotFound(_, let context):
            let field = path(context.codingPath)
            return FieldError(field: field, message: "\(field) must not be null")
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            return FieldError(field: field, message: "\(field) must be \(jsonKind(type))")
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            return FieldError(field: field, message: field.isEmpty ? context.debugDescription : "\(field): \(context.debugDescription)")
        @unknown default:
            return FieldError(field: "", message: "the body does not match what this endpoint expects")
        }
    }

    private static func jsonKind(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Double.Type: "a number"
        case is [Any].Type: "an array"
        default:
            String(describing: type).hasPrefix("Array") ? "an array" : (String(describing: type).hasPrefix("Dictionary") ? "an object" : "a string")
        }
    }

    private static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            if let underlying = context.underlyingError as NSError?, let text = underlying.userInfo[NSDebugDescriptionErrorKey] as? String {
                return text
            }
            return context.debugDescription
        }
        return "\(error)"
    }
}

/// Optimistic locking over HTTP: the record's version is its ETag (`"3"`), and `If-Match` is
/// evaluated as RFC 9110 §13.1.1 says.
///
/// - No `If-Match`: `428` where an update needs one.
/// - Not an `If-Match` at all (not `*` nor a list of entity tags): `400`.
/// - `*`: matches whatever version the record has now.
/// - A list of entity tags: matches when one of them names the current version by strong
///   comparison. A well-formed tag that names no current version (an older version, a weak
///   `W/"3"`, a tag this register never sends) is a precondition that fails: `412`, with the
///   version the record is at now.
///
/// A record the person may not see answers `404` before any of this is looked at: the record is
/// read (or the service checks access) before the precondition fails.
enum ETag {
    static func header(_ version: Int) -> String { "\"\(version)\"" }

    /// The version an update must find, from `If-Match` (required). `current` is the version the
    /// record has now, as just read by the caller (who may see it).
    static func expectedVersion(_ request: Request, current: Int) throws -> Int {
        guard let value = request.headers[.ifMatch] else { throw RequestProblem.ifMatchRequired }
        guard let condition = IfMatch(value) else { throw RequestProblem.badIfMatch(value) }
        return condition.expected(current: current)
    }

    /// The version a lifecycle move must find when `If-Match` is sent (it may be left out; `*` asks
    /// only that the record exists, which the move itself checks). A single tag is handed over as it
    /// is; only a list needs `current`, the record's version read through the service (so a record
    /// the person may not see is 404).
    static func optionalExpectedVersion(_ request: Request, current: () async throws -> Int) async throws -> Int? {
        guard let value = request.headers[.ifMatch] else { return nil }
        guard let condition = IfMatch(value) else { throw RequestProblem.badIfMatch(value) }
        switch condition {
        case .any: return nil
        case .tags(let tags) where tags.count == 1: return tags[0] ?? IfMatch.noVersion
        case .tags: return condition.expected(current: try await current())
        }
    }
}

/// An `If-Match` field value, parsed by RFC 9110's grammar: `*`, or a comma-separated list of
/// entity tags `[W/]"…"` (empty list elements ignored).
enum IfMatch: Equatable {
    case any
    /// Each tag's version when it is a strong tag this register could have sent (`"3"`), nil for
    /// any other well-formed tag (weak, or not a version): such a tag matches nothing.
    case tags([Int?])

    /// Nil when the value is not well formed.
    init?(_ raw: String) {
        let text = raw.trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
        if text == "*" {
            self = .any
            return
        }
        var tags: [Int?] = []
        var rest = Substring(text)
        while true {
            rest = rest.drop(while: Self.isSpace)
            if rest.first == "," {
                rest.removeFirst()  // an empty list element
                continue
            }
            guard !rest.isEmpty else { break }
            let weak = rest.hasPrefix("W/")
            if weak { rest.removeFirst(2) }
            guard rest.first == "\"" else { return nil }
            rest.removeFirst()
            guard let close = rest.unicodeScalars.firstIndex(of: "\"") else { return nil }
            let opaque = rest[..<close]
            // etagc: "!", "#"…"~" and obs-text; no spaces, quotes or controls.
            guard opaque.unicodeScalars.allSatisfy({ $0 == "!" || (0x23...0x7E).contains($0.value) || $0.value >= 0x80 }) else { return nil }
            tags.append(weak ? nil : Self.version(opaque))
            rest = rest[rest.index(after: close)...].drop(while: Self.isSpace)
            guard rest.isEmpty || rest.first == "," else { return nil }
        }
        guard !tags.isEmpty else { return nil }
        self = .tags(tags)
    }

    /// The version to update from: `current` when the condition holds for it, else `noVersion`.
    func expected(current: Int) -> Int {
        switch self {
        case .any: current
        case .tags(let tags): tags.contains(current) ? current : Self.noVersion
        }
    }

    /// A version no record ever has (versions count from 1). Handed to the service when nothing in
    /// If-Match can match, so that the service's access policy answers first (a partner or auditor
    /// who may not change the record: 403), and then the store's own version check answers `412`
    /// with the record's current version, as for any stale ETag (RFC 9110 §13.2.1: refusals found
    /// before the preconditions take precedence over them).
    static let noVersion = 0

    /// The register's versions are positive whole numbers, written without leading zeros.
    private static func version(_ opaque: Substring) -> Int? {
        guard let first = opaque.first, first != "0", opaque.count <= 18, opaque.allSatisfy(\.isASCII), let n = Int(opaque), n > 0 else { return nil }
        return n
    }

    /// Optional whitespace (OWS) around list elements.
    private static func isSpace(_ c: Character) -> Bool { c == " " || c == "\t" }
}
