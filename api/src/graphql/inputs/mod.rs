//! Mutation inputs, one file per area.

mod children;
mod guardians;
mod outcomes;
mod referrals;
mod settings;

pub use children::*;
pub use guardians::*;
pub use outcomes::*;
pub use referrals::*;
pub use settings::*;
