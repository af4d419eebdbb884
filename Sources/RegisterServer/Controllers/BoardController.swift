import Hummingbird
import RegisterDomain
import RegisterServices

/// Commissioning bodies and the theme taxonomy: reference data every role may read.
struct BoardController {
    let boards: BoardService

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("themes") { _, context in
            try JSON.response(["items": try await boards.themes(by: context.actor)])
        }
        group.get("boards") { request, context in
            try JSON.response(try await boards.list(try QueryParameters(request).page(), by: context.actor))
        }
        group.post("boards") { request, context in
            let board = try await boards.record(try await JSON.decodeDraft(BoardDetails.self, from: request, context: context), by: context.actor)
            return try JSON.response(board, status: .created, etag: board.version)
        }
        group.get("boards/:board") { _, context in
            let board = try await boards.get(try context.parameters.id("board", entity: "board"), by: context.actor)
            return try JSON.response(board, etag: board.version)
        }
        group.patch("boards/:board") { request, context in
            try context.actor.require(.manageBoards)
            let id = try context.parameters.id("board", entity: "board")
            let current = try await boards.get(id, by: context.actor)
            let expected = try ETag.expectedVersion(request, current: current.version)
            let details = try await JSON.merge(current.details, patchFrom: request, context: context)
            let board = try await boards.update(id, expectedVersion: expected, to: details, by: context.actor)
            return try JSON.response(board, etag: board.version)
        }
    }
}
