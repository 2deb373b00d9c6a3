use crate::graphql::types::child::Child;

payload!(
    /// Result of `updateChild`.
    UpdateChildPayload,
    child,
    Child
);
