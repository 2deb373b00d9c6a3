//! Why an import could not run at all (as opposed to a refused row, which it reports and passes).

use stable_futures_persistence::PersistenceError;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {file}: {reason}")]
    Unreadable { file: String, reason: String },
    #[error(
        "{file} is not a table the import reads: its header has none of pers_person_id, \
         link_person_id, immi_person_id, cinf_assessment_factors_json (a JSONL file ends in .jsonl)"
    )]
    UnknownTable { file: String },
    #[error("{file} has no column {column}")]
    MissingColumn { file: String, column: String },
    #[error(
        "the service does not serve the local authority {0} (add it with add-local-authority)"
    )]
    UnknownLocalAuthority(String),
    /// Several children in a row could not be written: the database is failing, not a row.
    #[error("the database keeps refusing writes, so the import stopped: {0}")]
    DatabaseFailing(PersistenceError),
    #[error(transparent)]
    Persistence(#[from] PersistenceError),
}
