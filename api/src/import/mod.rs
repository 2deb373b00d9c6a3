//! `stable-futures import`: onboarding a local authority's children from an extract of its case
//! system (docs/import.md).
//!
//! The extract is read whole and every row checked before anything is written, so a refused row
//! is reported with its file, line and column whatever its place. Each child is then written by
//! the persistence functions behind `registerChild` and `updateChild`, in one transaction with
//! its audit row and change-feed entry, as a principal holding only `children:read` and
//! `children:write`: an import leaves the same trail as the API would. A child already stored as
//! the extract has them is not written at all, so importing the same extract again changes
//! nothing.

mod candidate;
mod error;
mod jsonl;
mod report;
mod ssd;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use stable_futures_domain::audit::AuditContext;
use stable_futures_domain::child::{Child, LocalChildId};
use stable_futures_domain::local_authority::LocalAuthorityCode;
use stable_futures_domain::principal::{Principal, Scope};
use stable_futures_persistence::{Database, PersistenceError, TenantDb};

use self::candidate::{refuse_duplicates, Candidate};
pub use self::error::ImportError;
pub use self::report::{Code, Location, Problem, Reporter, Summary};

/// The audit trail's subject for administrative commands.
pub const SUBJECT: &str = "stable-futures-cli";
/// The client an import writes as (in the audit trail beside the subject).
pub const CLIENT: &str = "stable-futures-import";
/// The operation name its audit rows carry.
pub const OPERATION: &str = "importCli";

/// Children compared with what is stored in one statement.
const BATCH: usize = 500;
/// Children written at once (each in its own transaction).
const IN_FLIGHT: usize = 4;
/// Children in a row the database may refuse before the import gives up on it.
const MAX_FAILURES_IN_A_ROW: usize = 10;

/// Who an import writes as: only the scopes it needs.
pub fn principal(local_authority: LocalAuthorityCode) -> Principal {
    Principal {
        subject: SUBJECT.to_owned(),
        client: Some(CLIENT.to_owned()),
        local_authority,
        scopes: BTreeSet::from([Scope::ChildrenRead, Scope::ChildrenWrite]),
    }
}

/// Imports `files` for `local_authority`: reports each refused row to `reporter` and answers the
/// counts. Fails without writing anything if a file cannot be read or is not a table it knows.
pub async fn run(
    database: &Database,
    local_authority: LocalAuthorityCode,
    files: &[PathBuf],
    now: DateTime<Utc>,
    reporter: &mut Reporter,
) -> Result<Summary, ImportError> {
    let served = database.local_authorities().await?;
    if !served.iter().any(|la| la.code == local_authority) {
        return Err(ImportError::UnknownLocalAuthority(
            local_authority.as_str().to_owned(),
        ));
    }
    let today = stable_futures_domain::calendar::uk_date(now);
    let mut other_problems = Vec::new();
    let mut candidates = read_files(files, today, &mut other_problems)?;
    refuse_duplicates(&mut candidates);
    let mut summary = Summary {
        read: candidates.len(),
        other_rows_refused: count_rows(&other_problems),
        ..Summary::default()
    };
    for problem in &other_problems {
        reporter.report(problem);
    }
    let mut to_write = Vec::new();
    for mut candidate in candidates {
        if candidate.in_scope
            && candidate.scope_problems.is_empty()
            && candidate.problems.is_empty()
        {
            candidate.validate(today);
        }
        if candidate.refused() {
            summary.refused += 1;
            for problem in candidate.refusals() {
                reporter.report(problem);
            }
        } else if !candidate.in_scope {
            summary.not_in_scope += 1;
        } else {
            to_write.push(candidate);
        }
    }
    let db = database.for_principal(Arc::new(principal(local_authority)));
    let writer = Writer {
        db,
        now,
        audit: AuditContext::new(OPERATION, None, None),
    };
    reporter.start(to_write.len());
    let written = writer.write_all(to_write, &mut summary, reporter).await;
    reporter.finish();
    written.map(|()| summary)
}

/// Rows with a problem (a row with several problems counts once).
fn count_rows(problems: &[Problem]) -> usize {
    problems
        .iter()
        .map(|problem| &problem.at)
        .collect::<std::collections::HashSet<_>>()
        .len()
}

/// Reads every file: `*.jsonl` as our own form, anything else as an SSD table known by its
/// header.
fn read_files(
    files: &[PathBuf],
    today: chrono::NaiveDate,
    problems: &mut Vec<Problem>,
) -> Result<Vec<Candidate>, ImportError> {
    let mut candidates = Vec::new();
    let mut extract = ssd::Extract::default();
    for file in files {
        if is_jsonl(file) {
            candidates.extend(jsonl::read(file, problems)?);
        } else {
            extract.add(ssd::read(file, problems)?);
        }
    }
    let mut from_tables = extract.candidates(today, problems);
    from_tables.append(&mut candidates);
    Ok(from_tables)
}

fn is_jsonl(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| ext.eq_ignore_ascii_case("jsonl") || ext.eq_ignore_ascii_case("ndjson"))
}

fn report_in_order(reporter: &mut Reporter, mut problems: Vec<Problem>) {
    problems.sort_by(|a, b| (&a.at.file, a.at.line).cmp(&(&b.at.file, b.at.line)));
    for problem in &problems {
        reporter.report(problem);
    }
}

/// Writes checked children through the API's own persistence functions.
struct Writer {
    db: TenantDb,
    now: DateTime<Utc>,
    audit: AuditContext,
}

/// What became of one child.
enum Written {
    Created,
    Updated,
    Unchanged,
}

impl Writer {
    async fn write_all(
        &self,
        candidates: Vec<Candidate>,
        summary: &mut Summary,
        reporter: &mut Reporter,
    ) -> Result<(), ImportError> {
        use futures::StreamExt as _;
        let mut failures_in_a_row = 0;
        let mut candidates = candidates.into_iter().peekable();
        while candidates.peek().is_some() {
            let batch: Vec<Candidate> = candidates.by_ref().take(BATCH).collect();
            let ids: Vec<LocalChildId> = batch
                .iter()
                .filter_map(|c| c.details.as_ref().map(|d| d.local_child_id.clone()))
                .collect();
            let mut stored = self.db.children_by_local_ids(&ids).await?;
            let work: Vec<_> = batch
                .into_iter()
                .filter_map(|mut candidate| {
                    let details = candidate.details.take()?;
                    let existing = stored.remove(&details.local_child_id);
                    Some((candidate, details, existing))
                })
                .collect();
            // Several children in flight: each waits mostly on its commit, and commits of one
            // authority are ordered by the change feed anyway. Each is still its own transaction.
            let mut results = futures::stream::iter(work)
                .map(|(candidate, details, existing)| async move {
                    let result = self.write(&candidate, details, existing).await;
                    (candidate, result)
                })
                .buffer_unordered(IN_FLIGHT);
            // Reported in the extract's order once the batch is written, whatever order the
            // writes finished in.
            let mut problems = Vec::new();
            while let Some((mut candidate, result)) = results.next().await {
                match result {
                    Ok(written) => {
                        failures_in_a_row = 0;
                        match written {
                            Written::Created => summary.created += 1,
                            Written::Updated => summary.updated += 1,
                            Written::Unchanged => summary.unchanged += 1,
                        }
                    }
                    Err(PersistenceError::Invalid(errors)) => {
                        failures_in_a_row = 0;
                        summary.refused += 1;
                        candidate.refuse(errors);
                        problems.append(&mut candidate.problems);
                    }
                    Err(error) => {
                        summary.refused += 1;
                        problems.push(Problem::new(
                            &candidate.at,
                            "-",
                            Code::WriteFailed,
                            format!("nothing of this child was written: {error}"),
                        ));
                        failures_in_a_row += 1;
                        if failures_in_a_row >= MAX_FAILURES_IN_A_ROW {
                            report_in_order(reporter, problems);
                            return Err(ImportError::DatabaseFailing(error));
                        }
                    }
                }
                reporter.advance();
            }
            report_in_order(reporter, problems);
        }
        Ok(())
    }

    /// Registers the child, or updates the stored one if the extract changes it; each in one
    /// transaction with its audit row and change-feed entry.
    async fn write(
        &self,
        candidate: &Candidate,
        details: stable_futures_domain::child::ChildDetails,
        existing: Option<Child>,
    ) -> Result<Written, PersistenceError> {
        let Some(existing) = existing else {
            self.db
                .register_child(details, self.now, &self.audit, None)
                .await?;
            return Ok(Written::Created);
        };
        let today = stable_futures_domain::calendar::uk_date(self.now);
        let merged = candidate
            .patch
            .over(&existing.details)
            .validate(today)
            .map_err(PersistenceError::Invalid)?;
        if merged == existing.details {
            return Ok(Written::Unchanged);
        }
        // Laid over the child as locked in the write's transaction, at the version compared:
        // if someone changed the child meanwhile, STALE_VERSION, and the next import retries.
        let patch = candidate.patch.clone();
        self.db
            .update_child(
                existing.id,
                existing.version,
                self.now,
                &self.audit,
                move |child| patch.over(&child.details).validate(today),
            )
            .await?;
        Ok(Written::Updated)
    }
}
