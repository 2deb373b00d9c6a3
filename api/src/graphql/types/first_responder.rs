use async_graphql::Object;
use stable_futures_domain::referral;

use crate::graphql::enums::FirstResponderType;

/// The organisation that referred the child into the NRM.
#[derive(Debug, Clone)]
pub struct FirstResponder(pub referral::FirstResponder);

#[Object]
impl FirstResponder {
    async fn organisation_type(&self) -> FirstResponderType {
        self.0.organisation_type.into()
    }

    async fn organisation_name(&self) -> &str {
        &self.0.organisation_name
    }
}
