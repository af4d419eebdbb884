/// A state machine: which states may follow each state, and which moves need a written reason.
public protocol Lifecycle: DomainEnum {
    /// What the machine's subject is called in messages ("review").
    static var entityName: String { get }
    /// The states allowed to follow this one.
    var next: [Self] { get }
    /// Whether moving from `self` to `target` is a negative step that must say why.
    func needsReason(to target: Self) -> Bool
}

extension Lifecycle {
    /// Checks a move, returning the trimmed reason (nil when none was given and none is needed).
    ///
    /// Refusals name the allowed next states, so a person knows what they can do instead.
    public func transition(to target: Self, reason: String?) throws -> String? {
        guard next.contains(target) else {
            throw DomainError.transitionNotAllowed(
                entity: Self.entityName, from: rawValue, to: target.rawValue, allowed: next.map(\.rawValue))
        }
        return try self.reason(to: target, given: reason)
    }

    /// The reason a move to `target` needs (trimmed; nil when none was given and none is needed), for a move already found allowed.
    public func reason(to target: Self, given reason: String?) throws -> String? {
        let trimmed = reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        let given = (trimmed?.isEmpty ?? true) ? nil : trimmed
        if needsReason(to: target), given == nil {
            throw DomainError.reasonRequired(entity: Self.entityName, to: target.rawValue)
        }
        var v = Validator()
        v.optionalText(given, field: "reason", max: 5000)
        try v.check()
        return given
    }
}
