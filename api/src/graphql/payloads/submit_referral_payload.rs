use crate::graphql::types::nrm_referral::NrmReferral;

payload!(
    /// Result of `submitReferral`.
    SubmitReferralPayload,
    referral,
    NrmReferral
);
