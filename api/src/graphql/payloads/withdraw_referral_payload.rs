use crate::graphql::types::nrm_referral::NrmReferral;

payload!(
    /// Result of `withdrawReferral`.
    WithdrawReferralPayload,
    referral,
    NrmReferral
);
