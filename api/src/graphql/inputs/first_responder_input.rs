use async_graphql::InputObject;

use crate::graphql::enums::FirstResponderType;

/// The first responder organisation making the referral.
#[derive(Debug, InputObject)]
pub struct FirstResponderInput {
    pub organisation_type: FirstResponderType,
    /// E.g. "Metropolitan Police Service", "Barnardo's". At most 200 characters.
    pub organisation_name: String,
}
