import Foundation
import Hummingbird
import RegisterDomain
import RegisterServices

/// Partner organisations: managed by admins; read by staff; a partner user sees only their own.
struct PartnerController {
    let partners: PartnerService

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("partners") { request, context in
            let q = QueryParameters(request)
            return try JSON.response(
                try await partners.list(
                    try q.page(), sector: try q.vocabulary("sector", Sector.self), active: try q.bool("active"),
                    kind: try q.vocabulary("kind", HolderKind.self), boardID: try q.uuid("board_id"), by: context.actor))
        }
        group.post("partners") { request, context in
            let partner = try await partners.record(try await JSON.decodeDraft(PartnerDetails.self, from: request, context: context), by: context.actor)
            return try JSON.response(partner, status: .created, etag: partner.version)
        }
        group.get("partners/:partner") { _, context in
            let partner = try await partners.get(try id(context), by: context.actor)
            return try JSON.response(partner, etag: partner.version)
        }
        group.patch("partners/:partner") { request, context in
            let id = try id(context)
            let current = try await partners.get(id, by: context.actor)
            try context.actor.require(.managePartners)
            let expected = try ETag.expectedVersion(request, current: current.version)
            let details = try await JSON.merge(current.details, patchFrom: request, context: context)
            let partner = try await partners.update(id, expectedVersion: expected, to: details, by: context.actor)
            return try JSON.response(partner, etag: partner.version)
        }
    }

    private func id(_ context: SignedInContext) throws -> UUID {
        try context.parameters.id("partner", entity: "partner")
    }
}
