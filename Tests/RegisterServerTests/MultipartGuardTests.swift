import Foundation
import HTTPTypes
import NIOCore
import RegisterDomain
import RegisterTestSupport
import Testing

@testable import RegisterServer

/// multipart-kit's parser stops the process on a non-ASCII byte where a header name belongs; the
/// guard in front of it refuses such a body instead (found by the hostile-input corpus).
@Suite("multipart header guard")
struct MultipartGuardTests {
    static func body(_ headerLine: String) -> ByteBuffer {
        ByteBuffer(string: "--b0\r\n\(headerLine)\r\n\r\nhello\r\n--b0--\r\n")
    }

    @Test("a non-ASCII byte in a part's header name is refused; in a header's value (a UTF-8 file name) it is not")
    func guardAlone() {
        var refused = MultipartHeaderGuard(boundary: "b0")
        let refusedAnswer = refused.accepts(Self.body("Cönt-Disposition: form-data; name=\"a\""))
        #expect(!refusedAnswer)
        var accepted = MultipartHeaderGuard(boundary: "b0")
        let acceptedAnswer = accepted.accepts(Self.body("Content-Disposition: form-data; name=\"files\"; filename=\"résumé 📄.pdf\""))
        #expect(acceptedAnswer)
        // Split anywhere, the same answer.
        let bytes = Array(Self.body("Ä: x").readableBytesView)
        for cut in 1..<bytes.count {
            var split = MultipartHeaderGuard(boundary: "b0")
            let first = split.accepts(ByteBuffer(bytes: bytes[..<cut]))
            let second = first && split.accepts(ByteBuffer(bytes: bytes[cut...]))
            #expect(!second, "cut at \(cut)")
        }
    }

    @Test("an upload with a non-ASCII header name is answered 4xx and the register keeps answering")
    func overTheAPI() async throws {
        try await withAPI { api in
            let world = try await PartnerWorld.make(api)
            var headers = HTTPFields()
            headers[.contentType] = "multipart/form-data; boundary=b0"
            let reply = try await api.call(
                .post, "/api/v1/assignments/\(world.own.assignment)/evidence", as: .partner, body: Self.body("Ä: x"), headers: headers)
            #expect((400..<500).contains(reply.status.code), "\(reply.status) \(reply.text)")
            #expect(try await api.call(.get, "/api/v1/assignments/\(world.own.assignment)", as: .partner).status == .ok)
        }
    }
}
