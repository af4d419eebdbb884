import Foundation
import HTTPTypes
import Hummingbird
import RegisterStore

/// `/health`: the process answers. `/ready`: the database answers too, and a connection to it
/// comes free in time (for load balancers: a server whose connections are all in use is not ready).
struct HealthController {
    let database: Database

    func addRoutes(to router: Router<RegisterRequestContext>) {
        router.get("health") { _, _ in try JSON.response(["status": "ok"]) }
        router.get("ready") { _, _ in
            let readiness = await database.readiness()
            return try JSON.response(["status": readiness.rawValue], status: readiness == .ready ? .ok : .serviceUnavailable)
        }
    }
}

/// The OpenAPI 3.1 document: the API's contract, shipped inside the program.
enum OpenAPIDocument {
    static let text: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "" }
        return text
    }()

    static func response() throws -> Response {
        guard !text.isEmpty else { throw HTTPError(.internalServerError) }
        var headers = HTTPFields()
        headers[.contentType] = "application/yaml; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
