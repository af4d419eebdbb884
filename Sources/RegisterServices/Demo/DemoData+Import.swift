import Foundation
import Logging
import RegisterDomain
import RegisterStore

extension DemoData {
    /// A tracker brought in from a spreadsheet (issue 14): an invented Northvale action plan kept in Excel
    /// before the register, imported through the same action as the import page. Its completed action
    /// reads "Closed without evidence", its recommendation "Implemented", never "Assured".
    static func importedTracker(_ services: RegisterServices, _ actor: Actor) async throws {
        guard let board = try await services.registry.boards.list(PageRequest(limit: 200)).items.first(where: { $0.details.code == "northvale-scp" })
        else { return }
        let tracker = """
            Ref,Plan,Rec No.,Recommendation,Action,Lead Agency,Lead officer,Due by,RAG,Latest update,Date completed\r
            NV-NEG-2019,Neglect strategy action plan (invented; imported from a spreadsheet),1,Practitioners use the neglect toolkit in every assessment of a child at risk of neglect.,Train social workers in the toolkit,Northvale Council Children's Services (invented),Head of practice,31/03/2020,Complete,Training delivered to all teams,28/02/2020\r
            NV-NEG-2019,Neglect strategy action plan (invented; imported from a spreadsheet),2,Health visitors record home conditions at every visit.,Add home conditions to the visit template,northvale integrated care board (invented).,Named nurse,31-Mar-26,Amber,Template agreed; the system change waits for the supplier,\r
            NV-NEG-2019,Neglect strategy action plan (invented; imported from a spreadsheet),2,Health visitors record home conditions at every visit.,Audit twenty visit records,Northvale Council Children's Services (invented),Quality lead,30 June 2027,On track,Audit planned for the spring,\r

            """
        _ = try await services.imports.importTracker(
            ImportRequest(
                fileName: "northvale-neglect-plan.csv", bytes: Array(tracker.utf8), dryRun: false, board: board.id.uuidString,
                kind: .improvementPlan, regime: .local),
            by: actor)
    }
}
