//! Custom scalars, one per file.

mod date;

pub use date::Date;
