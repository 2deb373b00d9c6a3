use crate::graphql::types::child::Child;

payload!(
    /// Result of `registerChild`.
    RegisterChildPayload,
    child,
    Child
);
