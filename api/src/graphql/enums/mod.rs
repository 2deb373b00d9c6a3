//! GraphQL enums, one file per area, each mirroring a domain enum so the spellings cannot drift.

mod audit;
mod children;
mod guardians;
mod referrals;
mod reports;
mod transfers;
mod worklists;

pub use audit::*;
pub use children::*;
pub use guardians::*;
pub use referrals::*;
pub use reports::*;
pub use transfers::*;
pub use worklists::*;
mod user_error_code;

pub use user_error_code::UserErrorCode;

#[cfg(test)]
mod tests {
    use async_graphql::{EnumType, OutputType};

    /// Each GraphQL enum spells its values exactly as the domain (and so the database) does.
    fn same_spellings<G, D>(domain: &[D], as_str: impl Fn(D) -> &'static str)
    where
        G: EnumType + OutputType + From<D>,
        D: Copy,
    {
        let graphql: Vec<&str> = G::items().iter().map(|item| item.name).collect();
        let stored: Vec<&str> = domain.iter().map(|value| as_str(*value)).collect();
        assert_eq!(graphql, stored, "{}", G::type_name());
    }

    #[test]
    fn enums_match_the_domain_spellings() {
        use stable_futures_domain::{audit, child, guardian, referral, ErrorCode};
        same_spellings::<super::ExploitationType, _>(
            referral::ExploitationType::ALL,
            referral::ExploitationType::as_str,
        );
        same_spellings::<super::ExploitationLocation, _>(
            referral::ExploitationLocation::ALL,
            referral::ExploitationLocation::as_str,
        );
        same_spellings::<super::CompetentAuthority, _>(
            referral::CompetentAuthority::ALL,
            referral::CompetentAuthority::as_str,
        );
        same_spellings::<super::FirstResponderType, _>(
            referral::FirstResponderType::ALL,
            referral::FirstResponderType::as_str,
        );
        same_spellings::<super::DecisionOutcome, _>(
            referral::DecisionOutcome::ALL,
            referral::DecisionOutcome::as_str,
        );
        same_spellings::<super::ReferralStatus, _>(
            referral::ReferralStatus::ALL,
            referral::ReferralStatus::as_str,
        );
        same_spellings::<super::ReferralEventKind, _>(
            referral::ReferralEventKind::ALL,
            referral::ReferralEventKind::as_str,
        );
        same_spellings::<super::GuardianService, _>(
            guardian::GuardianService::ALL,
            guardian::GuardianService::as_str,
        );
        same_spellings::<super::GuardianRole, _>(
            guardian::GuardianRole::ALL,
            guardian::GuardianRole::as_str,
        );
        same_spellings::<super::AssignmentStatus, _>(
            guardian::AssignmentStatus::ALL,
            guardian::AssignmentStatus::as_str,
        );
        same_spellings::<super::AssignmentEndReason, _>(
            guardian::AssignmentEndReason::ALL,
            guardian::AssignmentEndReason::as_str,
        );
        same_spellings::<super::Gender, _>(child::Gender::ALL, child::Gender::as_str);
        same_spellings::<super::ImmigrationStatus, _>(
            child::ImmigrationStatus::ALL,
            child::ImmigrationStatus::as_str,
        );
        same_spellings::<super::CareStatus, _>(child::CareStatus::ALL, child::CareStatus::as_str);
        same_spellings::<super::UserErrorCode, _>(ErrorCode::ALL, ErrorCode::as_str);
        same_spellings::<super::AuditAction, _>(
            audit::AuditAction::ALL,
            audit::AuditAction::as_str,
        );
        same_spellings::<super::ErasureReason, _>(
            audit::ErasureReason::ALL,
            audit::ErasureReason::as_str,
        );
        same_spellings::<super::ChangeKind, _>(
            stable_futures_domain::change::ChangeKind::ALL,
            stable_futures_domain::change::ChangeKind::as_str,
        );
        same_spellings::<super::TransferReason, _>(
            stable_futures_domain::transfer::TransferReason::ALL,
            stable_futures_domain::transfer::TransferReason::as_str,
        );
        same_spellings::<super::TransferStatus, _>(
            stable_futures_domain::transfer::TransferStatus::ALL,
            stable_futures_domain::transfer::TransferStatus::as_str,
        );
        same_spellings::<super::ReportDimension, _>(
            stable_futures_domain::reports::Dimension::ALL,
            stable_futures_domain::reports::Dimension::as_str,
        );
        same_spellings::<super::DisclosureRules, _>(
            stable_futures_domain::disclosure::RuleSet::ALL,
            stable_futures_domain::disclosure::RuleSet::as_str,
        );
        same_spellings::<super::SuppressionReason, _>(
            stable_futures_domain::disclosure::SuppressionReason::ALL,
            stable_futures_domain::disclosure::SuppressionReason::as_str,
        );
        same_spellings::<super::WorkItemKind, _>(
            stable_futures_domain::worklist::WorkItemKind::ALL,
            stable_futures_domain::worklist::WorkItemKind::as_str,
        );
        same_spellings::<super::AuditFieldsClass, _>(
            audit::FieldsClass::ALL,
            audit::FieldsClass::as_str,
        );
    }
}
