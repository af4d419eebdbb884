import Foundation
import HTTPTypes
import Hummingbird
import RegisterDomain

/// The API's JSON conventions: ISO 8601 times in UTC, snake_case names given by each type's keys.
enum JSON {
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
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
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

/// Optimistic locking over HTTP: the record's version is its ETag.
enum ETag {
    static func header(_ version: Int) -> String { "\"\(version)\"" }

    /// The version named by `If-Match`, required on every update.
    static func expectedVersion(_ request: Request) throws -> Int {
        guard let value = request.headers[.ifMatch] else { throw RequestProblem.ifMatchRequired }
        guard let version = optionalVersion(value) else { throw RequestProblem.badIfMatch(value) }
        return version
    }

    /// The version named by `If-Match` when one is sent (lifecycle moves may omit it).
    static func optionalExpectedVersion(_ request: Request) throws -> Int? {
        guard let value = request.headers[.ifMatch] else { return nil }
        guard let version = optionalVersion(value) else { throw RequestProblem.badIfMatch(value) }
        return version
    }

    private static func optionalVersion(_ raw: String) -> Int? {
        var text = raw.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("W/") { text.removeFirst(2) }
        guard text.count >= 3, text.first == "\"", text.last == "\"" else { return nil }
        return Int(text.dropFirst().dropLast()).flatMap { $0 > 0 ? $0 : nil }
    }
}
