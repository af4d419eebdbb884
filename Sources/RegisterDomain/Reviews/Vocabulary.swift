/// The kind of body that commissions a review.
public enum BoardKind: String, DomainEnum {
    case childrenPartnership = "children_partnership"
    case adultsBoard = "adults_board"
    case communitySafetyPartnership = "community_safety_partnership"
    /// Local Safeguarding Children Board: the body before the 2019 partnerships.
    case lscb
    public static let vocabularyName = "board kind"
}

/// What sort of review it is; each kind has its own statutory footing and deadlines.
public enum ReviewKind: String, DomainEnum {
    case scr
    case rapidReview = "rapid_review"
    case lcspr
    case nationalReview = "national_review"
    case sar
    case dhr
    case learningReview = "learning_review"
    public static let vocabularyName = "review kind"

    /// The guidance regimes a review of this kind can be held under.
    public var regimes: [Regime] {
        switch self {
        case .scr: [.wt2010, .wt2013, .wt2015]
        case .rapidReview, .lcspr, .nationalReview: [.wt2018, .wt2023]
        case .sar: [.careAct2014]
        case .dhr: [.dhr2016, .dhr2024]
        case .learningReview: Regime.allCases
        }
    }
}

/// The statutory guidance a review was held under.
public enum Regime: String, DomainEnum {
    case wt2010, wt2013, wt2015, wt2018, wt2023
    case careAct2014 = "care_act_2014"
    case dhr2016 = "dhr_2016"
    case dhr2024 = "dhr_2024"
    public static let vocabularyName = "regime"
}

/// How far a recommendation reaches.
public enum Scope: String, DomainEnum {
    case local, regional, national
    public static let vocabularyName = "scope"
}
