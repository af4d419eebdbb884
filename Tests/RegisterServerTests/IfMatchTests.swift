import Foundation
import HTTPTypes
import RegisterDomain
@testable import RegisterServer
import RegisterTestSupport
import Testing

/// `If-Match` as RFC 9110 §13.1.1 reads it: `*` matches any current version, a list matches when one
/// of its entity tags is the current version (strong comparison), a well-formed value that matches
/// none answers 412, and only a value that is not an If-Match at all answers 400.
@Suite("If-Match (RFC 9110)")
struct IfMatchTests {
    @Test("parsing: *, lists, weak and foreign tags, empty elements; malformed values are nil")
    func parsing() {
        #expect(IfMatch("*") == .any)
        #expect(IfMatch(#""3""#) == .tags([3]))
        #expect(IfMatch(#" "1" , W/"2",,"abc", "07", "0", "" "#) == .tags([1, nil, nil, nil, nil, nil]))
        #expect(IfMatch(#""1","2""#) == .tags([1, 2]))
        for malformed in ["", "yesterday", "3", #""3"#, #"3""#, #""3" "4""#, "W/3", "**", #"*, "3""#, "\"a b\"", ",", #""3";"#] {
            #expect(IfMatch(malformed) == nil, "\(malformed)")
        }
    }

    @Test("PATCH: a well-formed If-Match matching no current version is 412 with the current version, never 400")
    func patchPreconditionFailed() async throws {
        try await withAPI { api in
            let id = try await api.createReview()["id"] as! String
            for value in [#""2""#, #"W/"1""#, #""abc""#, #""0""#, #""""#, #""2", "3""#] {
                let reply = try await api.call(.patch, "/api/v1/reviews/\(id)", json: #"{"title":"Not saved"}"#, headers: [.ifMatch: value])
                #expect(reply.status == .preconditionFailed, "\(value): \(reply.text)")
                #expect(reply.isProblem)
                #expect(reply.json["type"] as? String == "urn:learning-register:problem:stale-version")
                #expect(reply.json["current_version"] as? Int == 1, "\(value)")
            }
            #expect(try await api.call(.get, "/api/v1/reviews/\(id)").json["title"] as? String == "Child G")
            for value in ["yesterday", "1", #""1"#, #""1" "2""#] {
                let reply = try await api.call(.patch, "/api/v1/reviews/\(id)", json: #"{"title":"Not saved"}"#, headers: [.ifMatch: value])
                #expect(reply.status == .badRequest, "\(value): \(reply.text)")
                #expect(reply.json["type"] as? String == "urn:learning-register:problem:bad-if-match")
            }
        }
    }

    @Test("PATCH: * matches whatever version the record has; a list matches when it holds the current version")
    func patchMatches() async throws {
        try await withAPI { api in
            let id = try await api.createReview()["id"] as! String
            let any = try await api.call(.patch, "/api/v1/reviews/\(id)", json: #"{"title":"First"}"#, headers: [.ifMatch: "*"])
            #expect(any.status == .ok, "\(any.text)")
            #expect(any.headers[.eTag] == #""2""#)
            let list = try await api.call(.patch, "/api/v1/reviews/\(id)", json: #"{"title":"Second"}"#, headers: [.ifMatch: #""1", "2""#])
            #expect(list.status == .ok, "\(list.text)")
            #expect(list.json["title"] as? String == "Second")
            // A record that does not exist is 404 whatever If-Match says.
            #expect(try await api.call(.patch, "/api/v1/reviews/\(UUID())", json: #"{"title":"x"}"#, headers: [.ifMatch: #""abc""#]).status == .notFound)
        }
    }

    @Test("moves: If-Match optional; * and a list holding the current version pass, a weak or foreign tag is 412, garbage 400")
    func transitions() async throws {
        try await withAPI { api in
            let review = try await api.createReview()["id"] as! String
            let recommendation = try await api.call(
                .post, "/api/v1/reviews/\(review)/recommendations", json: #"{"number":"1","text":"Do it.","scope":"local"}"#
            ).id()
            let path = "/api/v1/recommendations/\(recommendation)/transitions"
            let weak = try await api.call(.post, path, json: #"{"to":"in_progress"}"#, headers: [.ifMatch: #"W/"1""#])
            #expect(weak.status == .preconditionFailed, "\(weak.text)")
            #expect(weak.json["current_version"] as? Int == 1)
            #expect(try await api.call(.post, path, json: #"{"to":"in_progress"}"#, headers: [.ifMatch: #""abc", "7""#]).status == .preconditionFailed)
            #expect(try await api.call(.post, path, json: #"{"to":"in_progress"}"#, headers: [.ifMatch: "in progress"]).status == .badRequest)
            let listed = try await api.call(.post, path, json: #"{"to":"in_progress"}"#, headers: [.ifMatch: #""7", "1""#])
            #expect(listed.status == .ok, "\(listed.text)")
            let any = try await api.call(.post, path, json: #"{"to":"implemented"}"#, headers: [.ifMatch: "*"])
            #expect(any.status == .ok, "\(any.text)")
            #expect(try await api.call(.post, "/api/v1/recommendations/\(UUID())/transitions", json: #"{"to":"open"}"#, headers: [.ifMatch: "*"]).status == .notFound)
            // A partner who may not see the recommendation learns nothing from a precondition.
            let hidden = try await api.call(.post, path, as: .partner, json: #"{"to":"open"}"#, headers: [.ifMatch: #""abc""#])
            #expect(hidden.status == .notFound, "\(hidden.text)")
        }
    }
}
