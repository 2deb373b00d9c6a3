use crate::graphql::types::nrm_referral::NrmReferral;

payload!(
    /// Result of `recordReasonableGroundsDecision`.
    RecordReasonableGroundsDecisionPayload,
    referral,
    NrmReferral
);
