//! Mutation payloads, one file per area: the entity written, or the input's problems.

use stable_futures_persistence::PersistenceError;

use super::errors::ApiError;
use super::reads::{self, ChildData};
use super::types::user_error::{user_errors, UserError};

/// Declares a payload type `{ <field>: <Entity>, userErrors: [UserError!]! }`.
macro_rules! payload {
    ($(#[$meta:meta])* $name:ident, $field:ident, $entity:ty) => {
        $(#[$meta])*
        #[derive(Debug, async_graphql::SimpleObject)]
        pub struct $name {
            /// What was written; null when `userErrors` is not empty.
            pub $field: Option<$entity>,
            /// Problems with the input. When not empty, nothing was written.
            pub user_errors: Vec<$crate::graphql::types::user_error::UserError>,
        }

        impl $crate::graphql::payloads::Payload for $name {
            type Entity = $entity;

            fn written(entity: $entity) -> Self {
                Self { $field: Some(entity), user_errors: Vec::new() }
            }

            fn refused(user_errors: Vec<$crate::graphql::types::user_error::UserError>) -> Self {
                Self { $field: None, user_errors }
            }
        }
    };
}

mod children;
pub use children::*;
mod referrals;
pub use referrals::*;
mod guardians;
pub use guardians::*;
mod outcomes;
pub use outcomes::*;
mod settings;
pub use settings::*;
mod transfers;
pub use transfers::*;

pub trait Payload: Sized {
    type Entity;

    fn written(entity: Self::Entity) -> Self;

    fn refused(user_errors: Vec<UserError>) -> Self;

    /// Turns the store's answer into the payload: input problems become `userErrors`, a missing
    /// record `NOT_FOUND`, anything else `INTERNAL`.
    fn from_result<T>(
        result: Result<T, PersistenceError>,
        wrap: impl FnOnce(T) -> Self::Entity,
    ) -> Result<Self, ApiError> {
        match result {
            Ok(value) => Ok(Self::written(wrap(value))),
            Err(PersistenceError::Invalid(errors)) => Ok(Self::refused(user_errors(errors))),
            Err(error) => Err(error.into()),
        }
    }

    /// [`Payload::from_result`] for a write of a child's record, audited by `audit`.
    fn from_write(
        result: Result<<Self::Entity as ChildData>::Value, PersistenceError>,
        audit: &stable_futures_domain::audit::AuditContext,
    ) -> Result<Self, ApiError>
    where
        Self::Entity: ChildData,
    {
        Self::from_result(result, |value| reads::written(value, audit))
    }
}
