use stable_futures_domain::FieldErrors;

/// Failures of the store. `Invalid` carries the caller's mistakes (validation, state, stale
/// version); everything else is ours and must never be shown to a caller verbatim.
#[derive(Debug, thiserror::Error)]
pub enum PersistenceError {
    /// The record does not exist or belongs to another local authority: deliberately the same.
    #[error("not found")]
    NotFound,
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("could not get a database connection: {0}")]
    Pool(String),
    #[error("could not connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("migration failed: {0}")]
    Migration(String),
    /// A stored value the domain refuses: a bug or a manual edit, never the caller's fault.
    #[error("stored {table}.{column} holds a value the domain does not accept")]
    Corrupt {
        table: &'static str,
        column: &'static str,
    },
    #[error("outcome framework is invalid: {0}")]
    Framework(String),
}

impl From<FieldErrors> for PersistenceError {
    fn from(errors: FieldErrors) -> Self {
        PersistenceError::Invalid(errors)
    }
}

impl From<stable_futures_domain::FieldError> for PersistenceError {
    fn from(error: stable_futures_domain::FieldError) -> Self {
        PersistenceError::Invalid(error.into())
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for PersistenceError {
    fn from(error: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        PersistenceError::Pool(error.to_string())
    }
}

pub type Result<T, E = PersistenceError> = std::result::Result<T, E>;

/// The name of the unique constraint a write violated, if that is what failed.
pub(crate) fn unique_violation(error: &PersistenceError) -> Option<&str> {
    match error {
        PersistenceError::Database(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            info,
        )) => info.constraint_name(),
        _ => None,
    }
}
