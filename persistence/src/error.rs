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
    /// Shown without PostgreSQL's message text, which can quote the values of a row (a date of
    /// birth, free text) and would carry them into logs.
    #[error("database error: {}", describe(.0))]
    Database(#[from] diesel::result::Error),
    #[error("could not get a database connection: {0}")]
    Pool(String),
    /// A read's audit rows were not committed: its answer must not be released.
    #[error("the read's audit rows were not written: {0}")]
    AuditUnwritten(String),
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
    /// The shipped bank holiday data cannot be read: a build from untested data.
    #[error("calendar: {0}")]
    Calendar(#[from] stable_futures_domain::calendar::CalendarError),
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

/// What went wrong in the database, without any value from the data: the kind of failure and the
/// constraint, table and column it concerns.
fn describe(error: &diesel::result::Error) -> String {
    match error {
        diesel::result::Error::DatabaseError(kind, info) => {
            let mut text = format!("{kind:?}");
            for (label, name) in [
                ("constraint", info.constraint_name()),
                ("table", info.table_name()),
                ("column", info.column_name()),
            ] {
                if let Some(name) = name {
                    text.push_str(&format!(" {label}={name}"));
                }
            }
            text
        }
        diesel::result::Error::DeserializationError(_) => {
            "a stored value could not be read".to_owned()
        }
        diesel::result::Error::SerializationError(_) => "a value could not be sent".to_owned(),
        other => other.to_string(),
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

/// The message and detail of an exception one of the schema's own functions raised (`RAISE
/// EXCEPTION`), if that is what failed: texts the migrations wrote, never a row's values.
pub(crate) fn raised(error: &PersistenceError) -> Option<(&str, Option<&str>)> {
    match error {
        PersistenceError::Database(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::Unknown,
            info,
        )) => Some((info.message(), info.details())),
        _ => None,
    }
}

/// A record's `recorded_by_local_authority`, read back.
pub(crate) fn recorded_by(
    stored: Option<String>,
    table: &'static str,
) -> Result<Option<stable_futures_domain::local_authority::LocalAuthorityCode>> {
    stored
        .map(|code| {
            stable_futures_domain::local_authority::LocalAuthorityCode::parse(&code).map_err(|_| {
                PersistenceError::Corrupt {
                    table,
                    column: if table == "audit_events" {
                        "acting_local_authority"
                    } else {
                        "recorded_by_local_authority"
                    },
                }
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind};

    struct Info;

    impl DatabaseErrorInformation for Info {
        fn message(&self) -> &str {
            "date/time field value out of range: \"2010-02-30\""
        }
        fn details(&self) -> Option<&str> {
            Some("Key (nhs_number)=(9434765919) already exists.")
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            Some("children")
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            Some("children_local_child_id_unique")
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    #[test]
    fn database_errors_never_show_values_from_the_data() {
        let error = PersistenceError::Database(diesel::result::Error::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            Box::new(Info),
        ));
        let text = error.to_string();
        assert!(
            !text.contains("2010-02-30") && !text.contains("9434765919"),
            "{text}"
        );
        assert!(
            text.contains("UniqueViolation") && text.contains("children_local_child_id_unique"),
            "{text}"
        );
    }
}
