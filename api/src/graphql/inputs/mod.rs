//! Mutation inputs, one file per area.

mod child_list;
mod children;
mod guardians;
mod outcomes;
mod record_lists;
mod referrals;
mod settings;
mod transfers;

pub use child_list::*;
pub use children::*;
pub use guardians::*;
pub use outcomes::*;
pub use record_lists::*;
pub use referrals::*;
pub use settings::*;
pub use transfers::*;
