//! A private PostgreSQL cluster launched from the server's own binaries.
//!
//! Used by `stable-futures serve` in dev mode (no `DATABASE_URL`) with a
//! persistent root, and by the test harness with ephemeral roots. Everything
//! here is blocking and std-only on purpose: it runs once at startup (or from
//! `spawn_blocking`), and must keep working from `Drop`, where no async runtime
//! can be assumed.
//!
//! One concern a file, with the dependencies running one way: `server` (start, stop) uses `cluster`
//! (root and initdb), `process` (launch, wait, terminate), `pid` (is a server still running),
//! `os_user`, `credentials`, `binaries` and `sweep`; all of them share `error`, `layout` and
//! `log`. This file only declares them.

mod binaries;
mod cluster;
mod credentials;
mod error;
mod layout;
mod log;
mod os_user;
mod pid;
mod process;
mod server;
mod sweep;
#[cfg(test)]
mod tests;

pub use binaries::find_server_binaries;
pub use error::EmbeddedError;
pub use server::{EmbeddedOptions, EmbeddedPostgres};
#[cfg(feature = "testing")]
pub(crate) use sweep::remove_dir_all_retrying;
pub use sweep::sweep_leftovers;
