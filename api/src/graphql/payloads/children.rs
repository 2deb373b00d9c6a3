//! Payloads of the child mutations.

use async_graphql::ID;

use crate::graphql::types::child::Child;

payload!(
    /// Result of `registerChild`.
    RegisterChildPayload,
    child,
    Child
);

payload!(
    /// Result of `updateChild`.
    UpdateChildPayload,
    child,
    Child
);

payload!(
    /// Result of `eraseChild`: the id of the child erased.
    EraseChildPayload,
    erased_child_id,
    ID
);
