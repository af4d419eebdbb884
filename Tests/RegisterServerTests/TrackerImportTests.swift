import Foundation
import PostgresNIO
@testable import RegisterDomain
@testable import RegisterServer
@testable import RegisterServices
@testable import RegisterStore
import RegisterTestSupport
import Testing

/// Bringing existing trackers in from CSV and Excel (issue 14).
@Suite("Tracker import")
struct TrackerImportTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    /// 15 April 2026, after every completion date in the fixtures.
    static let today = Day(iso: "2026-04-15")!
    static let clock = RegisterClock.fixed(ISO8601DateFormatter().date(from: "2026-04-15T10:00:00Z")!)

    static func services(_ api: APIHarness) -> RegisterServices {
        RegisterServices(registry: api.registry, configuration: AppConfiguration(database: api.db.app, logLevel: "warning"), clock: clock)
    }

    static func actor(_ api: APIHarness, _ role: Role) async throws -> Actor {
        let user = try #require(try await api.registry.accounts.credentials(email: "\(role.rawValue)@example.org")).user
        return Actor(user: user, requestID: "import-\(UUID().uuidString.prefix(8))", logger: TestDatabase.logger)
    }

    /// The board and the partners the fixtures name (one written differently there), but not "Coventry Youth Club".
    static func partnership(_ api: APIHarness) async throws {
        _ = try await api.call(.post, "/api/v1/boards", as: .admin, json: #"{"code":"coventry","name":"Coventry LSCB","kind":"children_partnership"}"#)
        for (name, sector) in [("West Midlands Police", "police"), ("Coventry and Rugby ICB", "health"), ("Coventry City Council", "local_authority")] {
            let made = try await api.call(.post, "/api/v1/partners", as: .admin, json: #"{"name":"\#(name)","sector":"\#(sector)"}"#)
            try #require(made.status == .created, "\(made.text)")
        }
    }

    static func count(_ api: APIHarness, _ table: String) async throws -> Int {
        try await api.db.withDatabase { database in
            let rows = try await database.client.query("SELECT count(*)::int FROM \(unescaped: table)", logger: TestDatabase.logger)
            var n = 0
            for try await value in rows.decode(Int.self) { n = value }
            return n
        }
    }

    static func strings(_ api: APIHarness, _ query: PostgresQuery) async throws -> [String] {
        try await api.db.withDatabase { database in
            var out: [String] = []
            for try await value in try await database.client.query(query, logger: TestDatabase.logger).decode(String.self) { out.append(value) }
            return out
        }
    }

    // MARK: Reading the forms people type

    @Test("dates in the forms people type; March 2026 is the month's end, flagged; impossible and unreadable dates are told apart")
    func dates() {
        for text in ["31/03/2026", "31/3/26", "31-Mar-26", "31 March 2026", "31st March 2026", "2026-03-31", " 31.03.2026 "] {
            #expect(TrackerDate.parse(text) == .success(TrackerDate(day: Day(iso: "2026-03-31")!)), "\(text)")
        }
        #expect(TrackerDate.parse("March 2026") == .success(TrackerDate(day: Day(iso: "2026-03-31")!, monthOnly: true)))
        #expect(TrackerDate.parse("Feb-24") == .success(TrackerDate(day: Day(iso: "2024-02-29")!, monthOnly: true)))
        #expect(TrackerDate.parse("31/02/2026") == .failure(.impossible))
        #expect(TrackerDate.parse("13/13/2026") == .failure(.impossible))
        #expect(TrackerDate.parse("TBC") == .failure(.unreadable))
        #expect(TrackerDate.parse("ongoing") == .failure(.unreadable))
    }

    @Test("Excel serial dates, with the 1900 leap-year quirk: serial 60 is the 29 February 1900 that never was")
    func serialDates() {
        #expect(TrackerDate.excelSerial(1) == Day(iso: "1900-01-01"))
        #expect(TrackerDate.excelSerial(59) == Day(iso: "1900-02-28"))
        #expect(TrackerDate.excelSerial(60) == nil)
        #expect(TrackerDate.excelSerial(61) == Day(iso: "1900-03-01"))
        #expect(TrackerDate.excelSerial(46112) == Day(iso: "2026-03-31"))
        #expect(TrackerDate.excelSerial(46112.75) == Day(iso: "2026-03-31"))
        // A date-formatted cell that holds no day shows what Excel shows, and is then read as impossible.
        #expect(TrackerDate.excelSerial(0) == nil && TrackerDate.excelSerial(0.5) == nil && TrackerDate.excelSerial(-3) == nil)
        #expect(XLSX.shownWithoutDay(60) == "29/02/1900")
        #expect(XLSX.shownWithoutDay(0) == "00/01/1900" && XLSX.shownWithoutDay(0.5) == "00/01/1900")
        #expect(XLSX.shownWithoutDay(-3) == nil)
        #expect(TrackerDate.parse("00/01/1900") == .failure(.impossible))
    }

    @Test("RAG colours and free-text statuses map to ratings; partner names match ignoring case and punctuation")
    func statusesAndNames() {
        #expect(TrackerStatus.parse("Complete")?.rag == .blue)
        #expect(TrackerStatus.parse("Complete")?.complete == true)
        #expect(TrackerStatus.parse(" BLUE ")?.rag == .blue)
        #expect(TrackerStatus.parse("On track")?.rag == .green)
        #expect(TrackerStatus.parse("Delayed")?.rag == .red)
        #expect(TrackerStatus.parse("Amber")?.rag == .amber)
        #expect(TrackerStatus.parse("Green - on track")?.rag == .green)
        for (written, rag) in [("Amber/Green", RAGRating.green), ("Amber / Green", .green), ("amber-green", .green), ("Red/Amber", .amber), ("Red / Amber", .amber)] {
            #expect(TrackerStatus.parse(written)?.rag == rag, "\(written)")
        }
        #expect(TrackerStatus.parse("Purple-ish") == nil)
        #expect(PartnerName.key("West Midlands Police.") == PartnerName.key("west midlands  police"))
        #expect(PartnerName.key("Coventry & Rugby ICB") == PartnerName.key("Coventry and Rugby ICB"))
        #expect(PartnerName.key("W. Midlands Police") != PartnerName.key("West Midlands Police"))
    }

    @Test("headers are recognised by their usual names, and a person can change any column")
    func mapping() throws {
        let headers = ["Ref", "Rec No.", "Agency", "Due by", "Notes"]
        let recognised = ColumnMapping.recognised(headers: headers)
        #expect(recognised.columns == [0: .reviewReference, 1: .recommendationNumber, 2: .leadAgency, 3: .targetDate])
        #expect(ColumnMapping.recognised(headers: ["Owner", "Timescale"]).columns == [0: .leadAgency, 1: .targetDate])
        let changed = try ColumnMapping.chosen(headers: headers, choices: try ColumnMapping.choices(parsing: "Notes=latest_update, Agency=ignore, D=revised_date"))
        #expect(changed.columns == [0: .reviewReference, 1: .recommendationNumber, 3: .revisedDate, 4: .latestUpdate])
        #expect(throws: RegisterDomain.ValidationError.self) { try ColumnMapping.chosen(headers: headers, choices: ["Notes": "colour"]) }
    }

    // MARK: Reading the files

    @Test("the messy CSV and the workbook read the same: BOM, CRLF, blank rows, trailing spaces, group headers, serial dates, shared and inline strings, merged cells, a hidden column, two sheets")
    func bothFilesReadTheSame() throws {
        let csv = try TrackerFile.sheets(Self.fixture("messy-tracker.csv"), fileName: "messy-tracker.csv")
        let xlsx = try TrackerFile.sheets(Self.fixture("messy-tracker.xlsx"), fileName: "messy-tracker.xlsx")
        #expect(csv.map(\.name) == ["messy-tracker"])
        #expect(xlsx.map(\.name) == ["Action plan", "Archive 2019"])
        let a = try #require(csv[0].header())
        let b = try #require(xlsx[0].header())
        #expect(a.row == 4 && b.row == 4)
        #expect(a.headers.first == "Review Ref", "the byte-order mark is not part of the first header")
        let mapping = ColumnMapping.recognised(headers: a.headers)
        #expect(mapping == ColumnMapping.recognised(headers: b.headers))
        #expect(mapping.columns.count == 13, "every column but the internal notes: \(mapping.columns)")
        #expect(xlsx[0].hiddenColumns == [13])
        // The merged title spreads over the row; the group header "Date" names both date columns in the workbook.
        #expect(xlsx[0].rows[0].text(5) == "Coventry LSCB multi-agency action plan")
        for index in 0..<13 {
            let rowsA = csv[0].rows.filter { $0.number > 4 && !$0.isBlank }
            let rowsB = xlsx[0].rows.filter { $0.number > 4 && !$0.isBlank }
            #expect(rowsA.map(\.number) == [5, 6, 8, 9, 11])
            #expect(rowsA.map(\.number) == rowsB.map(\.number))
            for (x, y) in zip(rowsA, rowsB) {
                if let day = y.cells.count > index ? y.cells[index].day : nil {
                    #expect(try TrackerDate.parse(x.text(index)).get().day == day, "row \(x.number) column \(index)")
                } else {
                    #expect(x.text(index) == y.text(index), "row \(x.number) column \(index)")
                }
            }
        }
    }

    // MARK: Importing

    @Test("a dry run reports row by row what would be created and every problem, with sheet and row, and writes nothing")
    func dryRun() async throws {
        try await withAPI(clock: Self.clock) { api in
            try await Self.partnership(api)
            let services = Self.services(api)
            let coordinator = try await Self.actor(api, .coordinator)
            let outcome = try await services.imports.importTracker(
                ImportRequest(fileName: "messy-tracker.csv", bytes: try Self.fixture("messy-tracker.csv"), dryRun: true), by: coordinator)
            let plan = outcome.plan
            #expect(plan.rows.map(\.row) == [5, 6, 8, 9, 11])
            #expect(plan.rows.map(\.outcome) == [.create, .create, .create, .problem, .create])
            #expect(plan.unknownPartners == ["Coventry Youth Club"])
            #expect(plan.problems.map(\.description) == [
                "Sheet messy-tracker, row 9, column Lead Agency: \"Coventry Youth Club\" is not a partner the register knows; add it, correct the name, or import with partners created"
            ])
            #expect(plan.notes.contains { $0.row == 9 && $0.message.contains("gives only a month: read as 31 March 2026") })
            #expect(try await Self.count(api, "register.reviews") == 0)
            #expect(try await Self.count(api, "register.imports") == 0)

            let problems = """
                Review reference,Recommendation number,Recommendation,Lead agency,Target date,RAG
                SCR-1,1,,West Midlands Police,31/03/2026,Green
                SCR-1,2,Share information.,West Midlands Police,31/02/2026,Green
                SCR-1,3,Share information.,West Midlands Police,31/03/2026,Purple-ish
                SCR-1,4,Share information.,West Midlands Police,31/03/2026,Green
                """
            let bad = try await services.imports.importTracker(
                ImportRequest(fileName: "bad.csv", bytes: Array(problems.utf8), dryRun: false), by: coordinator)
            #expect(bad.run == nil)
            #expect(bad.plan.problems.map(\.row) == [2, 3, 4])
            #expect(bad.plan.problems[0].message.contains("recommendation text is missing"))
            #expect(bad.plan.problems[1].message == "\"31/02/2026\" is not a date that exists; correct it in the file")
            #expect(bad.plan.problems[2].message.contains("\"Purple-ish\" is not a status the register knows"))
            // All rows or none: the good row 5 was not written either.
            #expect(try await Self.count(api, "register.reviews") == 0)
            #expect(try await Self.count(api, "register.imports") == 0)
        }
    }

    @Test("a real run writes every row in one transaction; the same tracker again, as xlsx or as CSV, changes nothing")
    func importAndAgain() async throws {
        try await withAPI(clock: Self.clock) { api in
            try await Self.partnership(api)
            let services = Self.services(api)
            let coordinator = try await Self.actor(api, .coordinator)
            let xlsx = try Self.fixture("messy-tracker.xlsx")
            let first = try await services.imports.importTracker(
                ImportRequest(fileName: "messy-tracker.xlsx", bytes: xlsx, createPartners: true, dryRun: false), by: coordinator)
            #expect(first.plan.problems == [])
            #expect(first.run?.created == 5)
            #expect(try await Self.count(api, "register.reviews") == 2)
            #expect(try await Self.count(api, "register.recommendations") == 4)
            #expect(try await Self.count(api, "register.assignments") == 5)
            #expect(try await Self.count(api, "register.progress_updates") == 5)
            #expect(try await Self.count(api, "register.due_date_revisions") == 1)
            #expect(try await Self.strings(api, "SELECT name FROM register.partners WHERE name = 'Coventry Youth Club'") == ["Coventry Youth Club"])
            let trail = try #require(Int(try await Self.strings(api, "SELECT seq::text FROM audit.current_head()").first ?? ""))

            let again = try await services.imports.importTracker(
                ImportRequest(fileName: "messy-tracker.xlsx", bytes: xlsx, dryRun: false), by: coordinator)
            #expect(again.run == nil)
            #expect(again.plan.rows.allSatisfy { $0.outcome == .unchanged }, "\(again.plan.rows)")
            let asCSV = try await services.imports.importTracker(
                ImportRequest(fileName: "messy-tracker.csv", bytes: try Self.fixture("messy-tracker.csv"), dryRun: false), by: coordinator)
            #expect(asCSV.plan.rows.allSatisfy { $0.outcome == .unchanged }, "\(asCSV.plan.rows)")
            #expect(try await Self.strings(api, "SELECT seq::text FROM audit.current_head()") == [String(trail)], "no event was added")
            #expect(try await Self.count(api, "register.imports") == 1)

            // A changed file updates what changed, and only that.
            var text = String(decoding: try Self.fixture("messy-tracker.csv"), as: UTF8.self)
            text = text.replacingOccurrences(of: "Two of four sessions held ", with: "Three of four sessions held")
            let changed = try await services.imports.importTracker(
                ImportRequest(fileName: "messy-tracker-v2.csv", bytes: Array(text.utf8), dryRun: false), by: coordinator)
            #expect(changed.plan.rows.map(\.outcome) == [.unchanged, .update, .unchanged, .unchanged, .unchanged])
            #expect(try await Self.count(api, "register.progress_updates") == 6)
        }
    }

    @Test("the sheet is chosen by name")
    func sheetByName() async throws {
        try await withAPI(clock: Self.clock) { api in
            try await Self.partnership(api)
            let outcome = try await Self.services(api).imports.importTracker(
                ImportRequest(fileName: "messy-tracker.xlsx", bytes: try Self.fixture("messy-tracker.xlsx"), sheet: "archive 2019", dryRun: true),
                by: try await Self.actor(api, .coordinator))
            #expect(outcome.plan.sheet == "Archive 2019")
            #expect(outcome.plan.rows.map(\.reviewReference) == ["DHR-2019-04"])
            #expect(outcome.plan.problems == [])
            await #expect(throws: RegisterDomain.ValidationError.self) {
                _ = try await Self.services(api).imports.importTracker(
                    ImportRequest(fileName: "messy-tracker.xlsx", bytes: try Self.fixture("messy-tracker.xlsx"), sheet: "Nope", dryRun: true),
                    by: try await Self.actor(api, .coordinator))
            }
        }
    }

    @Test("the trail records the import: file name, SHA-256 and row for each record, and the run itself")
    func provenance() async throws {
        try await withAPI(clock: Self.clock) { api in
            try await Self.partnership(api)
            let bytes = try Self.fixture("messy-tracker.xlsx")
            let outcome = try await Self.services(api).imports.importTracker(
                ImportRequest(fileName: "/somewhere/messy-tracker.xlsx", bytes: bytes, createPartners: true, dryRun: false),
                by: try await Self.actor(api, .coordinator))
            let sha = outcome.file.sha256
            #expect(sha.count == 64)
            let events = try await api.call(.get, "/api/v1/audit/events?table=assignments&limit=100", as: .auditor).items
            let contexts = events.compactMap { event -> String? in
                guard let payload = event["payload"] as? String,
                    let json = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any]
                else { return nil }
                return json["context"] as? String
            }
            #expect(contexts.count == events.count && !events.isEmpty, "every assignment event names its source")
            for row in [5, 6, 8, 9, 11] {
                #expect(contexts.contains("import of messy-tracker.xlsx sha256=\(sha) sheet Action plan row \(row)"), "row \(row): \(contexts)")
            }
            // Every record written in batches still names its row: reviews, recommendations and
            // partners their own; updates, revisions and status moves those of their assignment or recommendation.
            let prefix = "import of messy-tracker.xlsx sha256=\(sha) sheet Action plan row "
            func payloads(_ table: String) async throws -> [[String: Any]] {
                try await api.call(.get, "/api/v1/audit/events?table=\(table)&limit=100", as: .auditor).items.compactMap { event in
                    (event["payload"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                }
            }
            for table in ["reviews", "recommendations", "partners", "progress_updates", "due_date_revisions", "recommendation_transitions"] {
                // The partners the test made itself have no context; the one the import made has.
                let contexts = try await payloads(table)
                    .filter { table != "partners" || ($0["new"] as? [String: Any])?["name"] as? String == "Coventry Youth Club" }
                    .map { $0["context"] as? String ?? "" }
                #expect(!contexts.isEmpty, "\(table) has events")
                #expect(contexts.allSatisfy { $0.hasPrefix(prefix) && Int($0.dropFirst(prefix.count)) != nil }, "\(table): \(contexts)")
            }
            var actionRow: [String: String] = [:]
            for event in try await payloads("assignments") where event["op"] as? String == "INSERT" {
                actionRow[(event["key"] as? String ?? "").lowercased()] = event["context"] as? String
            }
            let updates = try await payloads("progress_updates")
            #expect(updates.count == 5)
            for update in updates {
                let assignment = ((update["new"] as? [String: Any])?["assignment_id"] as? String ?? "").lowercased()
                #expect(actionRow[assignment] != nil && update["context"] as? String == actionRow[assignment], "an update names its action's row")
            }
            #expect(try await Self.strings(api, "SELECT file_name || ' ' || sha256 || ' ' || rows::text || ' ' || created::text FROM register.imports")
                == ["messy-tracker.xlsx \(sha) 5 5"])
            // The run is kept for good.
            await #expect(throws: (any Error).self) {
                try await api.db.withDatabase { database in
                    try await database.write(WriteContext(actor: .system("tests"), requestID: "t", logger: TestDatabase.logger)) { c in
                        try await c.query("DELETE FROM register.imports", logger: TestDatabase.logger)
                    }
                }
            }
        }
    }

    @Test("an imported complete without evidence is closed without evidence, never assured, and the report says so")
    func honestHistory() async throws {
        try await withAPI(clock: Self.clock) { api in
            try await Self.partnership(api)
            _ = try await Self.services(api).imports.importTracker(
                ImportRequest(fileName: "messy-tracker.csv", bytes: try Self.fixture("messy-tracker.csv"), createPartners: true, dryRun: false),
                by: try await Self.actor(api, .coordinator))
            #expect(try await Self.strings(api, "SELECT status FROM register.assignments WHERE action LIKE 'Write a joint%'") == ["closed_without_evidence"])
            #expect(try await Self.strings(api, "SELECT status FROM register.recommendations ORDER BY number, text")
                == ["in_progress", "in_progress", "implemented", "in_progress"])
            #expect(try await Self.count(api, "register.recommendations WHERE status = 'assured'") == 0)
            let note = try await Self.strings(api, "SELECT closure_note FROM register.recommendations WHERE status = 'implemented'")
            #expect(note.first?.contains("closed without evidence, not assured") == true)
            let csv = try await api.call(.get, "/api/v1/reports/compliance?format=csv&review=LCSPR-2021-02", as: .auditor)
            #expect(csv.text.contains("closed_without_evidence"), "\(csv.text)")
            #expect(!csv.text.contains(",assured,"), "no recommendation or assignment reads assured")
            let html = try await api.call(.get, "/api/v1/reports/compliance?format=html&review=SCR-2017-01", as: .auditor)
            #expect(html.text.contains("Closed without evidence"))
            // Closed without evidence is done with: never overdue, even past its due date.
            #expect(try await Self.count(api, "register.assignments a WHERE register.assignment_overdue(a.status, a.due_date, '2030-01-01') AND a.status = 'closed_without_evidence'") == 0)
        }
    }

    @Test("running a tracker again after partners sent newer updates adds nothing; a tracker that changed adds the change")
    func againAfterNewerUpdates() async throws {
        try await withAPI(clock: Self.clock) { api in
            try await Self.partnership(api)
            let services = Self.services(api)
            let coordinator = try await Self.actor(api, .coordinator)
            let csv = try Self.fixture("messy-tracker.csv")
            _ = try await services.imports.importTracker(
                ImportRequest(fileName: "messy-tracker.csv", bytes: csv, createPartners: true, dryRun: false), by: coordinator)
            // A partner's own update, newer than the imported one, on every imported action.
            try await api.db.withDatabase { database in
                try await database.write(WriteContext(actor: .system("tests"), requestID: "newer", logger: TestDatabase.logger)) { c in
                    try await c.run(
                        """
                        INSERT INTO register.progress_updates (id, assignment_id, happened_on, text, rag, actor)
                        SELECT gen_random_uuid(), id, '2026-04-15', 'The partner''s own news', 'green', 'tests' FROM register.assignments
                        """, logger: TestDatabase.logger)
                }
            }
            #expect(try await Self.count(api, "register.progress_updates") == 10)
            let again = try await services.imports.importTracker(
                ImportRequest(fileName: "messy-tracker.csv", bytes: csv, dryRun: false), by: coordinator)
            #expect(again.run == nil)
            #expect(again.plan.rows.allSatisfy { $0.outcome == .unchanged }, "\(again.plan.rows)")
            #expect(try await Self.count(api, "register.progress_updates") == 10)
            // The tracker moves on: the changed row's update is added, once.
            let text = String(decoding: csv, as: UTF8.self).replacingOccurrences(of: "Two of four sessions held ", with: "Three of four sessions held")
            let changed = try await services.imports.importTracker(
                ImportRequest(fileName: "messy-tracker-v2.csv", bytes: Array(text.utf8), dryRun: false), by: coordinator)
            #expect(changed.plan.rows.map(\.outcome) == [.unchanged, .update, .unchanged, .unchanged, .unchanged])
            #expect(try await Self.count(api, "register.progress_updates") == 11)
            #expect(try await Self.count(api, "register.progress_updates WHERE import_id IS NOT NULL") == 6)
        }
    }

    @Test("a tracker's update to work recorded in the register starts it, and the trail names the row for the recommendation's move; two rows may not reword one recommendation differently")
    func updateToRecordedWork() async throws {
        try await withAPI(clock: Self.clock) { api in
            try await Self.partnership(api)
            let (recommendation, _) = try await PartnerWorkTests.assigned(api, reference: "EXIST-1")
            let partner = try #require(try await Self.strings(api, "SELECT name FROM register.partners WHERE id = \(api.ownPartner)").first)
            let header = "Review reference,Recommendation number,Recommendation,Action,Lead agency,Target date,RAG,Latest update"
            let tracker = [header, "EXIST-1,1,Share information.,Write and test a protocol.,\(partner),31/03/2027,On track,Protocol drafted"]
            let coordinator = try await Self.actor(api, .coordinator)
            let outcome = try await Self.services(api).imports.importTracker(
                ImportRequest(fileName: "own.csv", bytes: Array(tracker.joined(separator: "\r\n").utf8), dryRun: false, board: "coventry"), by: coordinator)
            #expect(outcome.plan.problems == [] && outcome.run != nil, "\(outcome.plan.problems)")
            #expect(try await Self.strings(api, "SELECT status FROM register.recommendations WHERE id = \(UUID(uuidString: recommendation)!)") == ["in_progress"])
            let moves = try await api.call(.get, "/api/v1/audit/events?table=recommendation_transitions&limit=100", as: .auditor).items.compactMap { event in
                (event["payload"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            }
            #expect(moves.count == 1 && (moves.first?["context"] as? String ?? "").hasSuffix("sheet own row 2"), "\(moves)")

            let reworded = [header,
                "EXIST-1,1,Share information quickly.,Write and test a protocol.,\(partner),31/03/2027,On track,Protocol drafted",
                "EXIST-1,1,Share information slowly.,Another action,Coventry City Council,31/03/2027,On track,Started"]
            let twice = try await Self.services(api).imports.importTracker(
                ImportRequest(fileName: "own-2.csv", bytes: Array(reworded.joined(separator: "\r\n").utf8), dryRun: true, board: "coventry"), by: coordinator)
            #expect(twice.plan.problems.map(\.row) == [3], "\(twice.plan.problems)")
            #expect(twice.plan.problems.first?.message.contains("different text in an earlier row") == true)
        }
    }

    @Test("an imported recommendation alike with one already recorded is a recurring lesson once the import has committed")
    func recurringLessons() async throws {
        try await withAPI(clock: Self.clock) { api in
            try await Self.partnership(api)
            _ = try await RecurringLessonTests.review(api, "EARLIER-1", year: 2020, ["Agencies share information about missing episodes quickly."])
            #expect(try await Self.count(api, "learning.likeness") == 0)
            _ = try await Self.services(api).imports.importTracker(
                ImportRequest(fileName: "messy-tracker.csv", bytes: try Self.fixture("messy-tracker.csv"), createPartners: true, dryRun: false, board: "coventry"),
                by: try await Self.actor(api, .coordinator))
            let pairs = try await Self.strings(api, """
                SELECT a.text || ' ~ ' || b.text FROM learning.likeness l
                JOIN register.recommendations a ON a.id = l.recommendation_id JOIN register.recommendations b ON b.id = l.like_id
                """)
            #expect(pairs == ["Agencies share information about missing episodes. ~ Agencies share information about missing episodes quickly."], "\(pairs)")
        }
    }

    @Test("an import that fails part-way leaves nothing behind: not the rows before the failure, not the run, not an event")
    func failurePartWay() async throws {
        try await withAPI(clock: Self.clock) { api in
            try await Self.partnership(api)
            let board = try #require(UUID(uuidString: try await Self.strings(api, "SELECT id::text FROM register.boards").first ?? ""))
            let head = try await Self.strings(api, "SELECT seq::text FROM audit.current_head()")
            let review = UUID.v7()
            let recommendation = UUID.v7()
            // The review and recommendation are written first; the action names a partner that does
            // not exist, so its statement fails after theirs succeeded.
            let writes: [ImportWrite] = [
                .createReview(id: review, ReviewDetails(reference: "PART-1", title: "Part way", kind: .learningReview, boardID: board, regime: .local)),
                .createRecommendation(id: recommendation, reviewID: review, RecommendationDetails(number: "1", text: "Share chronologies", scope: .local)),
                .createAssignment(
                    id: UUID.v7(), recommendationID: recommendation,
                    AssignmentDetails(partnerID: UUID.v7(), role: .lead, action: "Share them", dueDate: Self.today), originalDueDate: Self.today,
                    status: .assigned),
            ]
            let plan = ImportPlan(
                sheet: "Actions", headerRow: 1, columns: [],
                rows: [PlannedRow(sheet: "Actions", row: 2, reviewReference: "PART-1", recommendationNumber: "1", leadAgency: nil, outcome: .create, summary: "")],
                writes: writes.map { PlannedWrite(sheet: "Actions", row: 2, write: $0) }, problems: [], notes: [], unknownPartners: [])
            let file = ImportedFile(name: "part.csv", sha256: String(repeating: "a", count: 64))
            await #expect(throws: (any Error).self) {
                try await api.db.withDatabase { database in
                    _ = try await ImportStore(database: database).importing(
                        references: ["PART-1"], file: file, dryRun: false, today: Self.today,
                        context: WriteContext(actor: .system("tests"), requestID: "part", logger: TestDatabase.logger)
                    ) { _ in plan }
                }
            }
            #expect(try await Self.count(api, "register.reviews") == 0)
            #expect(try await Self.count(api, "register.recommendations") == 0)
            #expect(try await Self.count(api, "register.imports") == 0)
            #expect(try await Self.strings(api, "SELECT seq::text FROM audit.current_head()") == head, "no event was sealed")
        }
    }

    @Test("two people importing the same new tracker at once: one imports it, the other finds every row there")
    func twoAtOnce() async throws {
        try await withAPI(clock: Self.clock) { api in
            try await Self.partnership(api)
            let services = Self.services(api)
            let coordinator = try await Self.actor(api, .coordinator)
            let admin = try await Self.actor(api, .admin)
            let csv = try Self.fixture("messy-tracker.csv")
            let one = Task {
                try await services.imports.importTracker(
                    ImportRequest(fileName: "messy-tracker.csv", bytes: csv, createPartners: true, dryRun: false), by: coordinator)
            }
            let two = Task {
                try await services.imports.importTracker(
                    ImportRequest(fileName: "messy-tracker.csv", bytes: csv, createPartners: true, dryRun: false), by: admin)
            }
            // One imports; the other either finds every row there (it came second) or, arriving while
            // the first ran, is told to try again: never a second copy, never a failure of the first.
            let outcomes = [await one.result, await two.result]
            let done = outcomes.compactMap { try? $0.get() }
            #expect(done.filter { $0.run != nil }.count == 1, "exactly one wrote")
            for outcome in outcomes {
                switch outcome {
                case .success(let imported):
                    #expect(imported.run != nil || imported.plan.rows.allSatisfy { $0.outcome == .unchanged })
                case .failure(let error):
                    guard case DomainError.conflict(let message)? = error as? DomainError else { Issue.record("\(error)"); continue }
                    #expect(message.contains("Another tracker is being imported"))
                }
            }
            #expect(try await Self.count(api, "register.reviews") == 2)
            #expect(try await Self.count(api, "register.assignments") == 5)
            #expect(try await Self.count(api, "register.imports") == 1)
        }
    }

    @Test("only coordinators and admins import; others learn nothing from their file")
    func policy() async throws {
        try await withAPI(clock: Self.clock) { api in
            try await Self.partnership(api)
            let services = Self.services(api)
            for role in [Role.partner, .auditor] {
                let actor = try await Self.actor(api, role)
                let read = ReadFlag()
                await #expect(throws: DomainError.self) {
                    _ = try await services.imports.importTracker(await read.request(), by: actor)
                }
                #expect(await read.wasRead == false, "\(role): the file was read before the policy refused")
            }
            let admin = try await Self.actor(api, .admin)
            let outcome = try await services.imports.importTracker(
                ImportRequest(fileName: "messy-tracker.csv", bytes: try Self.fixture("messy-tracker.csv"), dryRun: true), by: admin)
            #expect(outcome.plan.rows.count == 5)
        }
    }
}

/// Whether a request was read: the policy must refuse before it is.
actor ReadFlag {
    var wasRead = false
    func request() throws -> ImportRequest {
        wasRead = true
        return ImportRequest(fileName: "t.csv", bytes: Array("Review reference,Recommendation number\nX,1\n".utf8), dryRun: true)
    }
}
