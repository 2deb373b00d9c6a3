//! NRM referrals and their decisions: the referral as recorded (`record`), a state machine
//! whose every transition is an event (`transitions`), when decisions are due and how long they
//! took (`timeliness`), and the words of the NRM (`vocabulary`).

mod record;
mod timeliness;
mod transitions;
mod vocabulary;

pub use record::{
    Decision, FirstResponder, HomeOfficeReference, NrmReferral, ReferralDraft, ReferralEvent,
};
pub use timeliness::{
    reasonable_grounds_due_on, DEVOLVED_DECISION_TARGET_DAYS,
    REASONABLE_GROUNDS_TARGET_WORKING_DAYS, RECOVERY_PERIOD_POLICY,
};
pub use transitions::DEVOLVED_DECISION_MIN_DAYS_BEFORE_18;
pub use vocabulary::{
    CompetentAuthority, DecisionOutcome, ExploitationLocation, ExploitationType,
    FirstResponderType, ReferralEventKind, ReferralStatus,
};
