//! The audit rows of reads, written for all concurrent requests together (group commit in the
//! application, decision 0006).
//!
//! An audited read's answer may only leave once its rows are durable, and a commit of its own
//! per request cost the nested page half of what the database could otherwise serve (a WAL
//! flush per page; docs/performance.md). One writer task takes every request's rows as they
//! arrive; while a flush is in progress the next requests' rows gather in its queue, and the
//! next flush writes all of them in one transaction: per local authority its tenant setting and
//! one `INSERT`, then one `COMMIT`. Each request waits for the flush that holds its rows and is
//! told whether it committed; only then is its answer released, so "an unwritable trail
//! withholds the answer" still holds.
//!
//! The writer has a connection of its own rather than one from the pool: behind a queue of
//! requests waiting for pooled connections, every answer in flight would wait as well. It
//! reconnects after a failure (a restart, a failover), at the next flush.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use diesel::sql_types::{Array, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AnsiTransactionManager, AsyncPgConnection, RunQueryDsl, TransactionManager};
use stable_futures_domain::audit::{AuditAction, AuditContext, FieldsClass};
use stable_futures_domain::ids::ChildId;
use stable_futures_domain::principal::Principal;
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument as _;
use uuid::Uuid;

use super::connection::{database_name, establish_own, trace_own, untrace_own};
use crate::error::{PersistenceError, Result};

/// At most this many requests' rows in one flush: a bound on one transaction's size when a
/// burst has queued up (the rest go in the next flush, straight after).
const MOST_REQUESTS_PER_FLUSH: usize = 256;

/// How long a flush may take before its requests are told it failed (the rows may still commit:
/// the answer is withheld all the same, which is the safe side).
const FLUSH_TIMEOUT: Duration = Duration::from_secs(10);

/// What one audit row says happened to one child (or to none).
pub type AuditEntry = (Option<ChildId>, BTreeSet<FieldsClass>);

/// One request's read rows.
#[derive(Debug)]
struct Reads {
    local_authority: String,
    subject: String,
    client: Option<String>,
    operation: String,
    trace_id: Option<String>,
    purpose: Option<String>,
    document_id: Option<String>,
    entries: Vec<AuditEntry>,
}

struct Pending {
    reads: Reads,
    /// The request's span waiting for the flush: the flush's span follows from it, so a
    /// trace leads from the request to the flush that wrote its rows.
    waiting: tracing::Span,
    /// `Err`: why not, and whether because the database could not take the flush just now.
    written: oneshot::Sender<std::result::Result<(), (String, bool)>>,
}

/// The handle requests send their rows through. Cheap to clone; the task ends when the last
/// handle is dropped.
#[derive(Debug, Clone)]
pub(crate) struct AuditWriter {
    queue: mpsc::UnboundedSender<Pending>,
}

impl AuditWriter {
    /// Starts the writer on the current runtime, connecting to `url` when it first writes.
    pub(crate) fn start(url: String, gather: Duration) -> Self {
        let (queue, requests) = mpsc::unbounded_channel();
        tokio::spawn(run(url, requests, gather));
        Self { queue }
    }

    /// Writes `entries` as `READ` rows of `principal`'s authority and returns once they are
    /// committed, or with the reason they are not.
    pub(crate) async fn record(
        &self,
        principal: &Principal,
        audit: &AuditContext,
        entries: Vec<AuditEntry>,
    ) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let (written, outcome) = oneshot::channel();
        let reads = Reads {
            local_authority: principal.local_authority.as_str().to_owned(),
            subject: principal.subject.clone(),
            client: principal.client.clone(),
            operation: audit.operation().to_owned(),
            trace_id: audit.trace_id.as_ref().map(|t| t.as_str().to_owned()),
            purpose: audit.purpose.as_ref().map(|p| p.as_str().to_owned()),
            document_id: audit.document_id.as_ref().map(|d| d.as_str().to_owned()),
            entries,
        };
        let unwritten = |reason: &str| PersistenceError::AuditUnwritten(reason.to_owned());
        let waiting = tracing::info_span!("audit.write", rows = reads.entries.len());
        self.queue
            .send(Pending {
                reads,
                waiting: waiting.clone(),
                written,
            })
            .map_err(|_| unwritten("the audit writer has stopped"))?;
        match outcome.instrument(waiting).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err((reason, true))) => Err(PersistenceError::AuditUnavailable(reason)),
            Ok(Err((reason, false))) => Err(unwritten(&reason)),
            Err(_) => Err(unwritten("the audit writer stopped before writing")),
        }
    }
}

async fn run(url: String, mut requests: mpsc::UnboundedReceiver<Pending>, gather: Duration) {
    let namespace: Arc<str> = database_name(&url).into();
    let mut conn: Option<AsyncPgConnection> = None;
    let mut batch = Vec::new();
    while requests
        .recv_many(&mut batch, MOST_REQUESTS_PER_FLUSH)
        .await
        > 0
    {
        if !gather.is_zero() && batch.len() < MOST_REQUESTS_PER_FLUSH {
            tokio::time::sleep(gather).await;
            while batch.len() < MOST_REQUESTS_PER_FLUSH {
                match requests.try_recv() {
                    Ok(pending) => batch.push(pending),
                    Err(_) => break,
                }
            }
        }
        let rows: usize = batch.iter().map(|p| p.reads.entries.len()).sum();
        let span = tracing::info_span!(
            "audit.flush",
            requests = batch.len(),
            rows,
            otel.status_code = tracing::field::Empty,
        );
        for pending in &batch {
            span.follows_from(&pending.waiting);
        }
        let traced = Traced {
            parent: span.clone(),
            namespace: namespace.clone(),
        };
        let flushed = tokio::time::timeout(FLUSH_TIMEOUT, flush(&url, &mut conn, &batch, traced))
            .instrument(span.clone())
            .await
            .unwrap_or_else(|_| Err(PersistenceError::Pool("the flush timed out".to_owned())));
        if let Some(kept) = conn.as_mut() {
            untrace_own(kept);
        }
        let outcome = match flushed {
            Ok(()) => Ok(()),
            Err(error) => {
                // Not logged here: each request whose answer it withholds logs it once, with its
                // correlation id, where it answers INTERNAL.
                span.record("otel.status_code", "ERROR");
                // The connection may be in an unknown state (a broken transaction, a restarted
                // server): the next flush opens another.
                conn = None;
                Err((error.to_string(), error.is_unavailable()))
            }
        };
        for pending in batch.drain(..) {
            // A request that has gone away no longer waits for its answer.
            let _ = pending.written.send(outcome.clone());
        }
    }
}

/// Where the flush's statements are traced.
struct Traced {
    parent: tracing::Span,
    namespace: Arc<str>,
}

async fn flush(
    url: &str,
    conn: &mut Option<AsyncPgConnection>,
    batch: &[Pending],
    traced: Traced,
) -> Result<()> {
    let mut by_authority: BTreeMap<&str, Vec<&Reads>> = BTreeMap::new();
    for pending in batch {
        by_authority
            .entry(&pending.reads.local_authority)
            .or_default()
            .push(&pending.reads);
    }
    let conn = begin(url, conn, traced).await?;
    let written = async {
        for (authority, reads) in &by_authority {
            insert_reads(conn, authority, reads).await?;
        }
        Ok::<_, PersistenceError>(())
    }
    .await;
    match written {
        Ok(()) => Ok(AnsiTransactionManager::commit_transaction(conn).await?),
        Err(error) => {
            let _ = AnsiTransactionManager::rollback_transaction(conn).await;
            Err(error)
        }
    }
}

/// Opens the flush's transaction. A kept connection that cannot even begin one has been closed
/// under it (PostgreSQL restarted, a failover, an idle timeout): nothing was sent, so a new
/// connection is tried once before the flush fails.
async fn begin<'c>(
    url: &str,
    conn: &'c mut Option<AsyncPgConnection>,
    traced: Traced,
) -> Result<&'c mut AsyncPgConnection> {
    if let Some(kept) = conn.as_mut() {
        trace_own(kept, traced.parent.clone(), traced.namespace.clone());
        if AnsiTransactionManager::begin_transaction(kept)
            .await
            .is_ok()
        {
            return conn.as_mut().ok_or_else(unreachable_connection);
        }
        *conn = None;
    }
    let fresh = conn.insert(establish_own(url).await?);
    trace_own(fresh, traced.parent, traced.namespace);
    AnsiTransactionManager::begin_transaction(fresh).await?;
    Ok(fresh)
}

fn unreachable_connection() -> PersistenceError {
    PersistenceError::Pool("no audit connection".to_owned())
}

/// One authority's rows of the flush: its tenant setting (row-level security checks every row
/// against it), then one `INSERT` of all its requests' rows, each with its own request's
/// subject, operation, trace and purpose.
async fn insert_reads(
    conn: &mut AsyncPgConnection,
    authority: &str,
    reads: &[&Reads],
) -> Result<()> {
    let rows: usize = reads.iter().map(|r| r.entries.len()).sum();
    let mut subjects = Vec::with_capacity(rows);
    let mut clients = Vec::with_capacity(rows);
    let mut operations = Vec::with_capacity(rows);
    let mut trace_ids = Vec::with_capacity(rows);
    let mut purposes = Vec::with_capacity(rows);
    let mut documents = Vec::with_capacity(rows);
    let mut children: Vec<Option<Uuid>> = Vec::with_capacity(rows);
    let mut classes = Vec::with_capacity(rows);
    for read in reads {
        for (child, fields) in &read.entries {
            subjects.push(read.subject.as_str());
            clients.push(read.client.as_deref());
            operations.push(read.operation.as_str());
            trace_ids.push(read.trace_id.as_deref());
            purposes.push(read.purpose.as_deref());
            documents.push(read.document_id.as_deref());
            children.push(child.map(|c| c.0));
            classes.push(
                fields
                    .iter()
                    .map(|class| class.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            );
        }
    }
    crate::prepared::prepared_sql("SELECT set_config('app.local_authority', $1, true)")
        .bind::<Text, _>(authority)
        .execute(conn)
        .await?;
    crate::prepared::prepared_sql(
        "INSERT INTO audit_events (local_authority, subject, client, child_id, action, operation, \
           fields_class, trace_id, purpose, document_id) \
         SELECT $1, e.subject, e.client, e.child_id, $2, e.operation, \
           string_to_array(e.classes, ','), e.trace_id, e.purpose, e.document_id \
         FROM unnest($3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::text[], \
           $9::text[], $10::text[]) WITH ORDINALITY AS e(subject, client, child_id, operation, \
           classes, trace_id, purpose, document_id, n) \
         ORDER BY e.n",
    )
    .bind::<Text, _>(authority)
    .bind::<Text, _>(AuditAction::Read.as_str())
    .bind::<Array<Text>, _>(subjects)
    .bind::<Array<Nullable<Text>>, _>(clients)
    .bind::<Array<Nullable<SqlUuid>>, _>(children)
    .bind::<Array<Text>, _>(operations)
    .bind::<Array<Text>, _>(classes)
    .bind::<Array<Nullable<Text>>, _>(trace_ids)
    .bind::<Array<Nullable<Text>>, _>(purposes)
    .bind::<Array<Nullable<Text>>, _>(documents)
    .execute(conn)
    .await?;
    Ok(())
}
