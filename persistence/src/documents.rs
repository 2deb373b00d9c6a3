//! Trusted documents (reference data, not a child's): registered by the schema owner's command,
//! read by the server when a request names one.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use stable_futures_domain::documents::{DocumentId, TrustedDocument};

use crate::database::Database;
use crate::error::Result;
use crate::schema::trusted_documents;

impl Database {
    /// The text `client` registered as `id`, if it did.
    pub async fn trusted_document(&self, client: &str, id: &DocumentId) -> Result<Option<String>> {
        let mut conn = self.reference_connection().await?;
        Ok(trusted_documents::table
            .filter(trusted_documents::client.eq(client))
            .filter(trusted_documents::document_id.eq(id.as_str()))
            .select(trusted_documents::body)
            .first(&mut *conn)
            .await
            .optional()?)
    }

    /// The ids of every document `client` has registered.
    pub async fn trusted_document_ids(&self, client: &str) -> Result<Vec<DocumentId>> {
        let mut conn = self.reference_connection().await?;
        let ids: Vec<String> = trusted_documents::table
            .filter(trusted_documents::client.eq(client))
            .select(trusted_documents::document_id)
            .load(&mut *conn)
            .await?;
        // The table's check constraint holds every id to the form `DocumentId` reads.
        Ok(ids
            .iter()
            .filter_map(|id| DocumentId::parse(id).ok())
            .collect())
    }
}

/// Registers `documents` for `client`, in one transaction; returns how many were new. A document
/// registered before is left as it was (its id is its text's hash, so it cannot differ). Needs
/// the owner's connection: the server's role may only read them.
pub async fn add_trusted_documents(
    conn: &mut AsyncPgConnection,
    client: &str,
    documents: &[TrustedDocument],
) -> Result<usize> {
    let rows: Vec<_> = documents
        .iter()
        .map(|document| {
            (
                trusted_documents::client.eq(client),
                trusted_documents::document_id.eq(document.id.as_str()),
                trusted_documents::body.eq(document.body.as_str()),
            )
        })
        .collect();
    conn.transaction(async move |conn| {
        let mut added = 0;
        // Bounded statements: PostgreSQL takes at most 65,535 parameters in one.
        for chunk in rows.chunks(1000) {
            added += diesel::insert_into(trusted_documents::table)
                .values(chunk)
                .on_conflict((trusted_documents::client, trusted_documents::document_id))
                .do_nothing()
                .execute(conn)
                .await?;
        }
        Ok(added)
    })
    .await
}

/// How many documents each client has registered, by client name.
pub async fn count_trusted_documents(conn: &mut AsyncPgConnection) -> Result<Vec<(String, i64)>> {
    Ok(trusted_documents::table
        .group_by(trusted_documents::client)
        .select((trusted_documents::client, diesel::dsl::count_star()))
        .order(trusted_documents::client)
        .load(conn)
        .await?)
}

/// Removes every document of `client` (a client retired, or a manifest to replace whole);
/// returns how many there were.
pub async fn remove_trusted_documents(conn: &mut AsyncPgConnection, client: &str) -> Result<usize> {
    Ok(
        diesel::delete(trusted_documents::table.filter(trusted_documents::client.eq(client)))
            .execute(conn)
            .await?,
    )
}
