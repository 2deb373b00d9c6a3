//! Enums of the reports.

/// What a report's rows can be grouped by (`groupBy`, at most two, each once). Each report
/// groups by some of them: NRM timeliness by the referral's and the child's facts, guardian
/// timeliness by service, role and age band, outcomes by the NRM's decisions, the guardian's
/// promptness, exploitation type and age band.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[graphql(remote = "stable_futures_domain::reports::Dimension")]
pub enum ReportDimension {
    /// Each kind of exploitation on the referral: a referral of two kinds is in both rows, so
    /// rows overlap.
    ExploitationType,
    CountyLines,
    /// The child's age band on the day of referral (`UNDER_10`, `10_TO_13`, `14_TO_15`,
    /// `16_TO_17`, `18_AND_OVER`, or `DISPUTED` for a disputed age).
    AgeBand,
    CompetentAuthority,
    FirstResponderType,
    /// The child's first recorded nationality (`UNKNOWN` without one).
    Nationality,
    /// The child's recorded gender (`NOT_RECORDED` without one).
    Gender,
    /// The guardianship service asked (guardian timeliness).
    GuardianService,
    /// The guardian role asked for (guardian timeliness).
    GuardianRole,
    /// The current reasonable-grounds decision on the child's first referral (`POSITIVE`,
    /// `NEGATIVE`, `NOT_DECIDED`, or `NO_REFERRAL`) (outcomes).
    ReasonableGroundsOutcome,
    /// The conclusive-grounds decision on the child's first referral, valued as
    /// `REASONABLE_GROUNDS_OUTCOME` (outcomes).
    ConclusiveGroundsOutcome,
    /// Whether the child's first guardian was assigned within the authority's threshold from
    /// the request (`WITHIN_THRESHOLD`, `AFTER_THRESHOLD`, `NOT_ASSIGNED`, or `NO_REQUEST`)
    /// (outcomes).
    GuardianAssigned,
    /// The local authority whose record it is: only for a token that speaks for several
    /// authorities (reports across authorities).
    LocalAuthority,
}

/// The disclosure rules a report's cells were published under.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::disclosure::RuleSet")]
pub enum DisclosureRules {
    /// The Department for Education's convention: counts 1 to 5 shown as `c`, more cells hidden
    /// so that none of those can be worked out from the others, true zeros shown.
    #[graphql(name = "DFE_2024")]
    Dfe2024,
    /// No control: every count as it is. Only for the authority's own reports, and only with
    /// the `reports:unsuppressed` scope as well as `reports:read`.
    None,
}

/// Why a report's cell is not shown.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::disclosure::SuppressionReason")]
pub enum SuppressionReason {
    /// A count from 1 to 5.
    SmallCount,
    /// Hidden so that a small count cannot be worked out from the others.
    Secondary,
}
