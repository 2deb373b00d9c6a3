use async_graphql::ID;

payload!(
    /// Result of `eraseChild`: the id of the child erased.
    EraseChildPayload,
    erased_child_id,
    ID
);
