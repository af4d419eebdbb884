import Hummingbird
import RegisterDomain
import RegisterStore

/// Commissioning bodies and the theme taxonomy: reference data every role may read.
struct BoardController {
    let boards: BoardStore
    let themes: ThemeStore

    func addRoutes(to group: RouterGroup<SignedInContext>) {
        group.get("themes") { _, context in
            try context.require(.readBoards)
            return try JSON.response(["items": try await themes.all()])
        }
        group.get("boards") { request, context in
            try context.require(.readBoards)
            return try JSON.response(try await boards.list(try QueryParameters(request).page()))
        }
        group.post("boards") { request, context in
            try context.require(.manageBoards)
            let details = try await JSON.decodeDraft(BoardDetails.self, from: request, context: context)
            let board = try await boards.create(details, context: context.write)
            return try JSON.response(board, status: .created, etag: board.version)
        }
        group.get("boards/:board") { _, context in
            try context.require(.readBoards)
            let board = try await boards.get(try context.parameters.id("board", entity: "board"))
            return try JSON.response(board, etag: board.version)
        }
        group.patch("boards/:board") { request, context in
            try context.require(.manageBoards)
            let id = try context.parameters.id("board", entity: "board")
            let expected = try ETag.expectedVersion(request)
            let current = try await boards.get(id)
            let details = try await JSON.merge(current.details, patchFrom: request, context: context)
            let board = try await boards.update(id, expectedVersion: expected, to: details, context: context.write)
            return try JSON.response(board, etag: board.version)
        }
    }
}
