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
    /// The same, because the database could not take them just now (a restart, a failover).
    #[error("the read's audit rows were not written, the database being unavailable: {0}")]
    AuditUnavailable(String),
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

impl PersistenceError {
    /// The database could not take the request just now: it is down, restarting or failing over,
    /// or the connection reached a server that is no longer (or not yet) the primary. Nothing the
    /// caller did; the same request may succeed in a moment (a write, with its idempotency key).
    pub fn is_unavailable(&self) -> bool {
        match self {
            PersistenceError::Pool(_)
            | PersistenceError::Connect(_)
            // A read's answer is withheld until its audit rows are written: they were not
            // because the database went away between the two.
            | PersistenceError::AuditUnavailable(_) => true,
            PersistenceError::Database(error) => database_unavailable(error),
            _ => false,
        }
    }
}

/// PostgreSQL's own words (`lc_messages` is English on the servers we run) for a server shutting
/// down, starting up or recovering: SQLSTATE 57P01–57P03, which diesel reports as `Unknown`.
const UNAVAILABLE_MESSAGES: &[&str] = &[
    "terminating connection due to",
    "the database system is",
    "cannot connect now",
];

fn database_unavailable(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        // The connection broke (no SQLSTATE), or a write reached a standby (25006).
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection
            | DatabaseErrorKind::UnableToSendCommand
            | DatabaseErrorKind::ReadOnlyTransaction,
            _,
        ) => true,
        Error::DatabaseError(DatabaseErrorKind::Unknown, info) => UNAVAILABLE_MESSAGES
            .iter()
            .any(|words| info.message().starts_with(words)),
        Error::BrokenTransactionManager => true,
        _ => false,
    }
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

    /// A database error that says only `message`.
    struct Said(&'static str);

    impl DatabaseErrorInformation for Said {
        fn message(&self) -> &str {
            self.0
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn database(kind: DatabaseErrorKind, message: &'static str) -> PersistenceError {
        PersistenceError::Database(diesel::result::Error::DatabaseError(
            kind,
            Box::new(Said(message)),
        ))
    }

    #[test]
    fn a_database_that_is_down_failing_over_or_a_standby_is_unavailable_and_nothing_else_is() {
        let unavailable = [
            PersistenceError::Pool("timed out waiting for a connection".into()),
            PersistenceError::Connect(diesel::ConnectionError::BadConnection(
                "connection refused".into(),
            )),
            PersistenceError::AuditUnavailable("the connection was lost".into()),
            database(DatabaseErrorKind::ClosedConnection, "closed"),
            database(DatabaseErrorKind::UnableToSendCommand, "connection reset"),
            database(
                DatabaseErrorKind::ReadOnlyTransaction,
                "cannot execute INSERT in a read-only transaction",
            ),
            database(
                DatabaseErrorKind::Unknown,
                "terminating connection due to administrator command",
            ),
            database(
                DatabaseErrorKind::Unknown,
                "the database system is shutting down",
            ),
            database(
                DatabaseErrorKind::Unknown,
                "the database system is starting up",
            ),
            PersistenceError::Database(diesel::result::Error::BrokenTransactionManager),
        ];
        for error in &unavailable {
            assert!(error.is_unavailable(), "{error:?}");
        }
        let not = [
            PersistenceError::NotFound,
            PersistenceError::Invalid(FieldErrors::new()),
            PersistenceError::Corrupt {
                table: "children",
                column: "gender",
            },
            PersistenceError::Migration("x".into()),
            // Refused for another reason (a revoked grant, a constraint): a fault of ours.
            PersistenceError::AuditUnwritten("permission denied".into()),
            database(DatabaseErrorKind::UniqueViolation, "duplicate key"),
            database(
                DatabaseErrorKind::SerializationFailure,
                "could not serialize",
            ),
            database(DatabaseErrorKind::Unknown, "possible duplicate"),
            database(
                DatabaseErrorKind::Unknown,
                "division by zero: the database system is",
            ),
            PersistenceError::Database(diesel::result::Error::NotFound),
        ];
        for error in &not {
            assert!(!error.is_unavailable(), "{error:?}");
        }
    }

    #[test]
    fn the_schema_s_own_exceptions_and_unique_violations_are_read_by_their_words_and_names() {
        let duplicate = PersistenceError::Database(diesel::result::Error::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            Box::new(Info),
        ));
        assert_eq!(
            unique_violation(&duplicate),
            Some("children_local_child_id_unique")
        );
        assert_eq!(
            raised(&duplicate),
            None,
            "a violation is not an exception we raised"
        );
        let ours = database(DatabaseErrorKind::Unknown, "transfer not found");
        assert_eq!(raised(&ours), Some(("transfer not found", None)));
        assert_eq!(unique_violation(&ours), None);
        let with_detail = PersistenceError::Database(diesel::result::Error::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new(Info),
        ));
        assert_eq!(
            raised(&with_detail),
            Some((
                "date/time field value out of range: \"2010-02-30\"",
                Some("Key (nhs_number)=(9434765919) already exists.")
            ))
        );
        assert_eq!(raised(&PersistenceError::NotFound), None);
        assert_eq!(unique_violation(&PersistenceError::NotFound), None);
    }

    #[test]
    fn a_record_s_authority_reads_back_and_a_bad_one_is_named_corrupt() {
        assert_eq!(recorded_by(None, "children").expect("none"), None);
        assert_eq!(
            recorded_by(Some("E09000019".into()), "children")
                .expect("a code")
                .map(|code| code.as_str().to_owned()),
            Some("E09000019".to_owned())
        );
        for (table, column) in [
            ("children", "recorded_by_local_authority"),
            ("audit_events", "acting_local_authority"),
        ] {
            match recorded_by(Some("Islington".into()), table) {
                Err(PersistenceError::Corrupt {
                    table: t,
                    column: c,
                }) => {
                    assert_eq!((t, c), (table, column));
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
