import Foundation
import RegisterDomain

/// One form field as the `field` template draws it: label, hint, the value to show, its error.
struct Field {
    enum Control {
        case input(type: String, width: Int?)
        case textarea(rows: Int)
        case select([(value: String, label: String)])
        case radios([(value: String, label: String)])
        case checkboxes([(value: String, label: String)], empty: String)
    }

    var name: String
    var label: String
    var hint: String?
    var control: Control
    /// What the field shows: the person's typed value, or the stored one.
    var values: [String] = []
    var autocomplete: String?
    /// Hints under single radios or checkboxes, by their value.
    var itemHints: [String: String] = [:]

    static func text(_ name: String, _ label: String, hint: String? = nil, width: Int? = nil, type: String = "text") -> Field {
        Field(name: name, label: label, hint: hint, control: .input(type: type, width: width))
    }

    static func date(_ name: String, _ label: String, hint: String = "For example, 31/03/2026") -> Field {
        Field(name: name, label: label, hint: hint, control: .input(type: "text", width: 10))
    }

    static func textarea(_ name: String, _ label: String, hint: String? = nil, rows: Int = 5) -> Field {
        Field(name: name, label: label, hint: hint, control: .textarea(rows: rows))
    }

    static func select<E: DomainEnum & Labelled>(_ name: String, _ label: String, _ type: E.Type, hint: String? = nil, choices: [E]? = nil) -> Field {
        Field(name: name, label: label, hint: hint, control: .select((choices ?? Array(E.allCases)).map { ($0.rawValue, $0.label) }))
    }

    func with(_ value: String?) -> Field {
        var copy = self
        copy.values = value.map { [$0] } ?? []
        return copy
    }

    func with(all values: [String]) -> Field {
        var copy = self
        copy.values = values
        return copy
    }

    /// The template's values; `errors` gives this field's message, if any.
    func values(errors: [FieldError]) -> [String: Any] {
        let error = errors.first { $0.field == name }?.message
        var v: [String: Any] = ["id": name, "name": name, "label": label]
        if let hint { v["hint"] = hint }
        if let error { v["error"] = error }
        let described = [hint.map { _ in "\(name)-hint" }, error.map { _ in "\(name)-error" }].compactMap { $0 }
        if !described.isEmpty { v["describedBy"] = described.joined(separator: " ") }
        if let autocomplete { v["autocomplete"] = autocomplete }
        switch control {
        case .input(let type, let width):
            v["isInput"] = true
            v["type"] = type
            if let width { v["width"] = width }
            v["value"] = values.first ?? ""
        case .textarea(let rows):
            v["isTextarea"] = true
            v["rows"] = rows
            v["value"] = values.first ?? ""
        case .select(let options):
            v["isSelect"] = true
            v["options"] = options.map { ["value": $0.value, "label": $0.label, "selected": values.contains($0.value)] as [String: Any] }
        case .radios(let options), .checkboxes(let options, _):
            let radios: Bool = { if case .radios = control { return true } else { return false } }()
            v["isChoices"] = true
            v["kind"] = radios ? "radios" : "checkboxes"
            v["type"] = radios ? "radio" : "checkbox"
            if case .checkboxes(_, let empty) = control { v["empty"] = empty }
            v["items"] = options.enumerated().map { index, option -> [String: Any] in
                let id = index == 0 ? name : "\(name)-\(index + 1)"
                var item: [String: Any] = ["id": id, "name": name, "value": option.value, "label": option.label, "checked": values.contains(option.value)]
                if let hint = itemHints[option.value] { item["itemHint"] = hint }
                return item
            }
        }
        return v
    }
}

/// A form's fields, drawn in order, with the errors of the last attempt.
struct FormView {
    var fields: [Field]
    var errors: [FieldError] = []

    /// The template values for the fields and the error summary.
    var values: [String: Any] {
        ["fields": fields.map { $0.values(errors: errors) }, "errors": errors.map { ["field": $0.field, "message": $0.message] }, "hasErrors": !errors.isEmpty]
    }
}

/// Status tags: the words always, the colour only as a second cue.
enum Tag {
    static func values(_ label: String, colour: String) -> [String: Any] { ["label": label, "colour": colour] }

    static func recommendation(_ status: RecommendationStatus, overdue: Bool = false) -> [String: Any] {
        if overdue { return values("\(status.label), overdue", colour: "red") }
        switch status {
        case .open: return values(status.label, colour: "grey")
        case .inProgress: return values(status.label, colour: "blue")
        case .implemented: return values(status.label, colour: "yellow")
        case .assured: return values(status.label, colour: "green")
        case .notImplemented: return values(status.label, colour: "orange")
        case .superseded: return values(status.label, colour: "purple")
        }
    }

    static func assignment(_ status: AssignmentStatus, overdue: Bool = false) -> [String: Any] {
        if overdue { return values("\(status.label), overdue", colour: "red") }
        switch status {
        case .assigned: return values(status.label, colour: "grey")
        case .inProgress: return values(status.label, colour: "blue")
        case .evidenceSubmitted: return values(status.label, colour: "yellow")
        case .returned: return values(status.label, colour: "orange")
        case .accepted: return values(status.label, colour: "green")
        case .closedWithoutEvidence: return values(status.label, colour: "orange")
        }
    }

    /// A RAG rating: its word first ("Amber: at risk"), the colour a second cue.
    static func rag(_ rating: RAGRating) -> [String: Any] {
        switch rating {
        case .red: values(rating.label, colour: "red")
        case .amber: values(rating.label, colour: "orange")
        case .green: values(rating.label, colour: "green")
        case .blue: values(rating.label, colour: "blue")
        }
    }

    /// "Delayed: now expected by 30 June 2026".
    static func delay(_ delay: AssignmentDelay) -> [String: Any] {
        values("Delayed: now expected by \(UKDate.long(delay.expectedDate))", colour: "orange")
    }

    static func review(_ status: ReviewStatus) -> [String: Any] {
        switch status {
        case .closed: return values(status.label, colour: "grey")
        case .published, .monitoring: return values(status.label, colour: "green")
        case .notPublishedWithReason: return values(status.label, colour: "orange")
        default: return values(status.label, colour: "blue")
        }
    }

    static func verdict(_ verdict: Verdict) -> [String: Any] {
        switch verdict {
        case .pending: return values(verdict.label, colour: "yellow")
        case .accepted: return values(verdict.label, colour: "green")
        case .returned: return values(verdict.label, colour: "orange")
        }
    }

    static func clock(_ state: ClockState) -> [String: Any] {
        switch state {
        case .notStarted: return values(state.label, colour: "grey")
        case .running: return values(state.label, colour: "blue")
        case .paused: return values(state.label, colour: "purple")
        case .metOnTime: return values(state.label, colour: "green")
        case .metLate: return values(state.label, colour: "orange")
        case .missed: return values(state.label, colour: "red")
        }
    }
}
