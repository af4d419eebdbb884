import Foundation
import Hummingbird
import RegisterDomain
import RegisterStore

/// Partner organisations: managed by admins; read by staff; a partner user sees only their own.
struct PartnerController {
    let partners: PartnerStore

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("partners") { request, context in
            let reach = try context.reach(.readPartners)
            let q = QueryParameters(request)
            let page = try q.page()
            return try JSON.response(
                try await partners.list(page, reach: reach, sector: try q.vocabulary("sector", Sector.self), active: try q.bool("active")))
        }
        group.post("partners") { request, context in
            try context.require(.managePartners)
            let details = try await JSON.decodeDraft(PartnerDetails.self, from: request, context: context)
            let partner = try await partners.create(details, context: context.write)
            return try JSON.response(partner, status: .created, etag: partner.version)
        }
        group.get("partners/:partner") { _, context in
            let reach = try context.reach(.readPartners, hiding: "partner")
            let partner = try await partners.get(try id(context), reach: reach)
            return try JSON.response(partner, etag: partner.version)
        }
        group.patch("partners/:partner") { request, context in
            let reach = try context.reach(.readPartners, hiding: "partner")
            let id = try id(context)
            let current = try await partners.get(id, reach: reach)
            try context.require(.managePartners)
            let expected = try ETag.expectedVersion(request)
            let details = try await JSON.merge(current.details, patchFrom: request, context: context)
            let partner = try await partners.update(id, expectedVersion: expected, to: details, context: context.write)
            return try JSON.response(partner, etag: partner.version)
        }
    }

    private func id(_ context: SignedInContext) throws -> UUID {
        try context.parameters.id("partner", entity: "partner")
    }
}
