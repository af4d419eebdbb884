/// The kind of body that commissions a review.
public enum BoardKind: String, DomainEnum {
    case childrenPartnership = "children_partnership"
    case adultsBoard = "adults_board"
    case communitySafetyPartnership = "community_safety_partnership"
    /// Local Safeguarding Children Board: the body before the 2019 partnerships.
    case lscb
    public static let vocabularyName = "board kind"
}

/// What sort of source of recommendations it is: a review, each kind with its own statutory footing
/// and deadlines, or another source (a plan, an inspection's action plan, an audit, a scrutiny
/// inquiry) that has no statutory clock.
public enum ReviewKind: String, DomainEnum {
    case scr
    case rapidReview = "rapid_review"
    case lcspr
    case nationalReview = "national_review"
    case sar
    case dhr
    case learningReview = "learning_review"
    /// A service's or partnership's improvement plan, with priorities and actions.
    case improvementPlan = "improvement_plan"
    /// The action plan written after an inspection (a joint targeted area inspection, say).
    case inspectionActionPlan = "inspection_action_plan"
    /// A thematic or multi-agency case audit and the actions it led to.
    case thematicAudit = "thematic_audit"
    /// A scrutiny committee's inquiry and its recommendations to cabinet members and officers.
    case scrutinyInquiry = "scrutiny_inquiry"
    public static let vocabularyName = "review kind"

    /// Whether this is a case review (with its statutory lifecycle and clocks) rather than another source.
    public var isReview: Bool {
        switch self {
        case .scr, .rapidReview, .lcspr, .nationalReview, .sar, .dhr, .learningReview: true
        case .improvementPlan, .inspectionActionPlan, .thematicAudit, .scrutinyInquiry: false
        }
    }

    /// The kinds that are case reviews, and those that are other sources.
    public static let reviews = allCases.filter(\.isReview)
    public static let otherSources = allCases.filter { !$0.isReview }

    /// The guidance regimes a source of this kind can be held under.
    public var regimes: [Regime] {
        switch self {
        case .scr: [.wt2010, .wt2013, .wt2015]
        case .rapidReview, .lcspr, .nationalReview: [.wt2018, .wt2023]
        case .sar: [.careAct2014]
        case .dhr: [.dhr2016, .dhr2024]
        case .learningReview: Regime.allCases
        case .improvementPlan, .inspectionActionPlan, .thematicAudit, .scrutinyInquiry: [.local]
        }
    }
}

/// The statutory guidance a review was held under.
public enum Regime: String, DomainEnum {
    case wt2010, wt2013, wt2015, wt2018, wt2023
    case careAct2014 = "care_act_2014"
    case dhr2016 = "dhr_2016"
    case dhr2024 = "dhr_2024"
    /// Local arrangements: no statutory guidance, so no statutory clock (plans, audits, inquiries,
    /// learning reviews below the statutory threshold).
    case local
    public static let vocabularyName = "regime"
}

/// How far a recommendation reaches.
public enum Scope: String, DomainEnum {
    case local, regional, national
    public static let vocabularyName = "scope"
}
