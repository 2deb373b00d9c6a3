//! Identifiers of stored entities. Distinct types so a referral id can never be passed where a
//! child id is expected.

use std::fmt;

use uuid::Uuid;

macro_rules! entity_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered id (UUID v7), so ids sort roughly by creation and keyset
            /// pagination by id is stable and cheap.
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }

            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

entity_id!(
    /// A child known to a local authority.
    ChildId
);
entity_id!(
    /// One NRM referral.
    ReferralId
);
entity_id!(
    /// One request for, and assignment of, an independent guardian.
    AssignmentId
);
entity_id!(
    /// One outcome measurement.
    MeasurementId
);
entity_id!(
    /// One offer to transfer a child to another local authority.
    TransferId
);
