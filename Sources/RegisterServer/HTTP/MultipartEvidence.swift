import Foundation
import Hummingbird
import MultipartKit
import NIOCore
import RegisterDomain
import RegisterStore

/// Reads an evidence upload (`multipart/form-data`) as it arrives: text fields are collected,
/// files are handed to the store's upload a piece at a time, never held whole in memory.
enum MultipartEvidence {
    /// Largest text field (the summary is limited to 10,000 characters; UTF-8 needs up to 4 bytes each).
    static let maxFieldBytes = 40_000

    /// The boundary of a multipart/form-data request, or a 415 that says what to send.
    static func boundary(of request: Request) throws -> String {
        let contentType = request.headers[.contentType] ?? ""
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data",
            let boundary = parts.dropFirst().first(where: { $0.lowercased().hasPrefix("boundary=") })?.dropFirst("boundary=".count),
            !boundary.isEmpty, boundary.count <= 200
        else {
            throw RequestProblem.expectedMultipart(contentType.isEmpty ? nil : contentType)
        }
        return String(boundary).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    /// Streams the request's parts into `upload` and returns the text fields as sent.
    static func read(_ request: Request, boundary: String, into upload: EvidenceUpload, maxBodyBytes: Int) async throws -> [String: String] {
        var fields: [String: String] = [:]
        try await read(request, boundary: boundary, into: upload, maxBodyBytes: maxBodyBytes, fields: &fields)
        return fields
    }

    /// The same, filling `fields` as they arrive: a form refused part-way (a file of the wrong kind)
    /// can still be shown again with what the person typed.
    static func read(
        _ request: Request, boundary: String, into upload: EvidenceUpload, maxBodyBytes: Int, fields: inout [String: String]
    ) async throws {
        let events = Events()
        let parser = MultipartParser(boundary: boundary)
        var headerGuard = MultipartHeaderGuard(boundary: boundary)
        parser.onHeader = { name, value in events.list.append(.header(name, value)) }
        parser.onBody = { buffer in events.list.append(.body(buffer)) }
        parser.onPartComplete = { events.list.append(.end) }

        var part = Part()
        var received = 0
        var ended = false
        do {
            // At the upload's pace: a client that sends too slowly is cut off (408), however little it sends.
            try await upload.pace.receive(request.body) { buffer in
                received += buffer.readableBytes
                if received > maxBodyBytes { throw DomainError.tooLarge(limitBytes: Int64(upload.maxBytes)) }
                do {
                    guard headerGuard.accepts(buffer) else { throw MultipartError.malformed }
                    try parser.execute(buffer)
                } catch {
                    throw ValidationError(field: "", message: "the upload is not well-formed multipart/form-data; send it again from the form or with curl -F")
                }
                for event in events.list {
                    switch event {
                    case .header(let name, let value):
                        part.headers.append((name.lowercased(), value))
                    case .body(let bytes):
                        try await part.consume(bytes, upload: upload)
                    case .end:
                        try await part.finish(upload: upload, into: &fields)
                        part = Part()
                        ended = true
                    }
                }
                events.list.removeAll(keepingCapacity: true)
            }
        } catch let slow as UploadTooSlow {
            throw RequestProblem.bodyTooSlow(
                "The upload arrived too slowly and was ended (\(slow)). Nothing was stored; send it again, over a faster connection or as smaller files.")
        }
        guard ended, part.headers.isEmpty else {
            throw ValidationError(field: "", message: "the upload ended early; send it again")
        }
    }

    /// What can be refused before a byte of an upload is read: its form and its declared size.
    static func precheck(_ request: Request, maxUploadBytes: Int) throws {
        _ = try boundary(of: request)
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxBodyBytes(maxUploadBytes) {
            throw DomainError.tooLarge(limitBytes: Int64(maxUploadBytes))
        }
    }

    /// Form fields and part headers need a little room beyond the files themselves.
    static func maxBodyBytes(_ maxUploadBytes: Int) -> Int { maxUploadBytes + 1024 * 1024 }

    private final class Events {
        var list: [Event] = []
    }

    private enum Event {
        case header(String, String)
        case body(ByteBuffer)
        case end
    }

    /// The part being read: a text field or a file.
    private struct Part {
        var headers: [(String, String)] = []
        var started = false
        var name: String?
        var fileName: String?
        var text = ByteBuffer()
        var writer: EvidenceFileWriter?

        mutating func start(upload: EvidenceUpload) throws {
            guard !started else { return }
            started = true
            let disposition = headers.first { $0.0 == "content-disposition" }?.1 ?? ""
            let parameters = MultipartEvidence.parameters(of: disposition)
            name = parameters["name"]
            if let extended = parameters["filename*"] {
                guard let decoded = MultipartEvidence.extendedValue(extended) else {
                    throw ValidationError(field: "files", message: "a file's name (filename*) could not be read; name it in plain UTF-8 and send it again")
                }
                fileName = decoded
            } else {
                fileName = parameters["filename"]
            }
            guard let name, !name.isEmpty else {
                throw ValidationError(field: "", message: "each part of the upload needs a Content-Disposition with a field name")
            }
            if let fileName {
                guard name == "files" || name == "file" else {
                    throw ValidationError(field: name, message: "\(name) is not a file field; attach files as 'files'")
                }
                writer = try upload.beginFile(named: fileName.isEmpty ? "unnamed" : fileName)
            }
        }

        mutating func consume(_ bytes: ByteBuffer, upload: EvidenceUpload) async throws {
            try start(upload: upload)
            if let writer {
                try await writer.write(bytes)
            } else {
                var bytes = bytes
                guard text.readableBytes + bytes.readableBytes <= MultipartEvidence.maxFieldBytes else {
                    throw ValidationError(field: name ?? "", message: "\(name ?? "a field") is too long; the limit is 10,000 characters")
                }
                text.writeBuffer(&bytes)
            }
        }

        mutating func finish(upload: EvidenceUpload, into fields: inout [String: String]) async throws {
            try start(upload: upload)
            if let writer {
                _ = try await writer.finish()
                return
            }
            guard let name else { return }
            guard fields[name] == nil else { throw ValidationError(field: name, message: "\(name) was sent more than once") }
            // readString would quietly replace bad bytes; refuse them instead.
            guard let bytes = text.readBytes(length: text.readableBytes), let value = String(validating: bytes, as: UTF8.self) else {
                throw ValidationError(field: name, message: "\(name) is not UTF-8 text; save it as UTF-8 and send it again")
            }
            fields[name] = value
        }
    }

    /// `form-data; name="files"; filename="report.pdf"` → ["name": "files", "filename": "report.pdf"].
    static func parameters(of header: String) -> [String: String] {
        var result: [String: String] = [:]
        var rest = Substring(header)
        // Skip the disposition type.
        guard let semicolon = rest.firstIndex(of: ";") else { return result }
        rest = rest[rest.index(after: semicolon)...]
        while !rest.isEmpty {
            rest = rest.drop(while: { $0 == " " || $0 == "\t" || $0 == ";" })
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                while let c = rest.first {
                    rest = rest.dropFirst()
                    // Browsers send a Windows path's backslashes as they are: a backslash escapes only a quote.
                    if c == "\\", rest.first == "\"" {
                        value.append("\"")
                        rest = rest.dropFirst()
                    } else if c == "\"" {
                        break
                    } else {
                        value.append(c)
                    }
                }
                rest = rest.drop(while: { $0 != ";" })
            } else {
                let end = rest.firstIndex(of: ";") ?? rest.endIndex
                value = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            result[key] = value
        }
        return result
    }

    /// RFC 8187: `UTF-8''r%C3%A9sum%C3%A9.pdf` → "résumé.pdf".
    static func extendedValue(_ raw: String) -> String? {
        let pieces = raw.components(separatedBy: "'")
        guard pieces.count == 3, pieces[0].lowercased() == "utf-8" else { return nil }
        return pieces[2].removingPercentEncoding
    }
}

/// A multipart body the guard refused before the parser saw it.
private enum MultipartError: Error { case malformed }

