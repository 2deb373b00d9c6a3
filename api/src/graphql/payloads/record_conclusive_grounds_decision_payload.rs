use crate::graphql::types::nrm_referral::NrmReferral;

payload!(
    /// Result of `recordConclusiveGroundsDecision`.
    RecordConclusiveGroundsDecisionPayload,
    referral,
    NrmReferral
);
