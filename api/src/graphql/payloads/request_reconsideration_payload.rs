use crate::graphql::types::nrm_referral::NrmReferral;

payload!(
    /// Result of `requestReconsideration`.
    RequestReconsiderationPayload,
    referral,
    NrmReferral
);
