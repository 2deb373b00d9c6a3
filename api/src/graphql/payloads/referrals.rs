//! Payloads of the referral mutations.

use crate::graphql::types::nrm_referral::NrmReferral;

payload!(
    /// Result of `submitReferral`.
    SubmitReferralPayload,
    referral,
    NrmReferral
);

payload!(
    /// Result of `recordReasonableGroundsDecision`.
    RecordReasonableGroundsDecisionPayload,
    referral,
    NrmReferral
);

payload!(
    /// Result of `recordConclusiveGroundsDecision`.
    RecordConclusiveGroundsDecisionPayload,
    referral,
    NrmReferral
);

payload!(
    /// Result of `requestReconsideration`.
    RequestReconsiderationPayload,
    referral,
    NrmReferral
);

payload!(
    /// Result of `recordHomeOfficeReference`.
    RecordHomeOfficeReferencePayload,
    referral,
    NrmReferral
);

payload!(
    /// Result of `withdrawReferral`.
    WithdrawReferralPayload,
    referral,
    NrmReferral
);
