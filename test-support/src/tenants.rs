//! Who the tests act as, for both harnesses.

/// Islington, the tenant most tests act as, and Camden, whose data Islington must never see.
pub use stable_futures_persistence::testing::{CAMDEN, ISLINGTON};
/// A well-formed code the service does not serve.
pub const UNSERVED: &str = "E09000033";

pub const AUDIENCE: &str = "stable-futures";
