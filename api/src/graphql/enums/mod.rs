//! GraphQL enums, one per file, each mirroring a domain enum so the spellings cannot drift.

mod assignment_end_reason;
mod assignment_status;
mod care_status;
mod competent_authority;
mod decision_outcome;
mod exploitation_location;
mod exploitation_type;
mod first_responder_type;
mod gender;
mod guardian_role;
mod guardian_service;
mod immigration_status;
mod referral_event_kind;
mod referral_status;
mod user_error_code;

pub use assignment_end_reason::AssignmentEndReason;
pub use assignment_status::AssignmentStatus;
pub use care_status::CareStatus;
pub use competent_authority::CompetentAuthority;
pub use decision_outcome::DecisionOutcome;
pub use exploitation_location::ExploitationLocation;
pub use exploitation_type::ExploitationType;
pub use first_responder_type::FirstResponderType;
pub use gender::Gender;
pub use guardian_role::GuardianRole;
pub use guardian_service::GuardianService;
pub use immigration_status::ImmigrationStatus;
pub use referral_event_kind::ReferralEventKind;
pub use referral_status::ReferralStatus;
pub use user_error_code::UserErrorCode;
