import Foundation
import Hummingbird
import MultipartKit
import NIOCore
import RegisterDomain

/// A tracker sent from the import page: one small file and the form's fields, read into memory
/// (a tracker is a spreadsheet, not evidence: at most 20 MB), through the same header guard as every upload.
enum MultipartTracker {
    static let maxBytes = 20 * 1024 * 1024

    struct Upload {
        var fields: [String: String] = [:]
        var fileName: String?
        var bytes: [UInt8] = []
    }

    static func read(_ request: Request) async throws -> Upload {
        let boundary = try MultipartEvidence.boundary(of: request)
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxBytes + 64 * 1024 {
            throw ValidationError(field: "file", message: "The file must be smaller than 20 MB")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBytes + 64 * 1024)
        } catch {
            throw ValidationError(field: "file", message: "The file must be smaller than 20 MB")
        }
        final class State {
            var upload = Upload()
            var headers: [(String, String)] = []
            var data: [UInt8] = []
        }
        let state = State()
        let parser = MultipartParser(boundary: boundary)
        var headerGuard = MultipartHeaderGuard(boundary: boundary)
        parser.onHeader = { name, value in state.headers.append((name.lowercased(), value)) }
        parser.onBody = { buffer in state.data += Array(buffer.readableBytesView) }
        parser.onPartComplete = {
            let disposition = state.headers.first { $0.0 == "content-disposition" }?.1 ?? ""
            let parameters = MultipartEvidence.parameters(of: disposition)
            if let fileName = parameters["filename"], parameters["name"] == "file" {
                state.upload.fileName = fileName
                state.upload.bytes = state.data
            } else if let name = parameters["name"], state.data.count <= MultipartEvidence.maxFieldBytes {
                state.upload.fields[name] = String(decoding: state.data, as: UTF8.self)
            }
            state.headers = []
            state.data = []
        }
        let malformed = ValidationError(field: "file", message: "The upload was not well formed; choose the file and send it again")
        guard headerGuard.accepts(body) else { throw malformed }
        do {
            try parser.execute(body)
        } catch {
            throw malformed
        }
        return state.upload
    }
}
