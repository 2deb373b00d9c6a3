//! The superuser's password on disk (readable by its owner only) and in URLs.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::error::EmbeddedError;
use super::layout::CREDENTIALS_FILE;

pub(super) fn read_credentials(root: &Path) -> Result<String, EmbeddedError> {
    let path = root.join(CREDENTIALS_FILE);
    match fs::read_to_string(&path) {
        Ok(contents) if !contents.trim().is_empty() => Ok(contents.trim().to_owned()),
        Ok(_) => Err(EmbeddedError::MissingCredentials { path }),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            Err(EmbeddedError::MissingCredentials { path })
        }
        Err(source) => Err(EmbeddedError::Io {
            context: format!("read {}", path.display()),
            source,
        }),
    }
}

/// Creates (or replaces) a file that only its owner can read.
pub(super) fn write_private(path: &Path, contents: &str) -> Result<(), EmbeddedError> {
    let context = || format!("write {}", path.display());
    let _ = fs::remove_file(path);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(EmbeddedError::io(context()))?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .map_err(EmbeddedError::io(context()))
}

/// Deletes the file when dropped, so the password never outlives initdb on disk
/// even when initdb fails.
pub(super) struct TempFile(pub(super) PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

pub(super) fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
