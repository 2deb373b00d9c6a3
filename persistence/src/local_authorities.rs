use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use stable_futures_domain::local_authority::{LocalAuthority, LocalAuthorityCode};

use crate::database::{Database, TenantDb};
use crate::error::{PersistenceError, Result};
use crate::schema::local_authorities;

/// A stored row of `local_authorities`, read back.
fn authority_of((code, name): (String, String)) -> Result<LocalAuthority> {
    let code = LocalAuthorityCode::parse(&code).map_err(|_| PersistenceError::Corrupt {
        table: "local_authorities",
        column: "code",
    })?;
    Ok(LocalAuthority { code, name })
}

impl Database {
    /// Every local authority the service serves (reference data).
    pub async fn local_authorities(&self) -> Result<Vec<LocalAuthority>> {
        let mut conn = self.reference_connection().await?;
        let rows: Vec<(String, String)> = local_authorities::table
            .select((local_authorities::code, local_authorities::name))
            .order(local_authorities::code)
            .load(&mut conn)
            .await?;
        rows.into_iter().map(authority_of).collect()
    }
}

impl TenantDb {
    /// The authorities among `codes` (reference data: another authority's name, as a transfer
    /// or a record's provenance names it).
    pub async fn local_authorities_named(
        &self,
        codes: &[LocalAuthorityCode],
    ) -> Result<std::collections::HashMap<LocalAuthorityCode, LocalAuthority>> {
        let codes: Vec<String> = codes.iter().map(|c| c.as_str().to_owned()).collect();
        let rows: Vec<(String, String)> = self
            .reference(async move |conn| {
                Ok(local_authorities::table
                    .filter(local_authorities::code.eq_any(codes))
                    .select((local_authorities::code, local_authorities::name))
                    .load(conn)
                    .await?)
            })
            .await?;
        rows.into_iter()
            .map(|row| authority_of(row).map(|authority| (authority.code.clone(), authority)))
            .collect()
    }
}

/// Adds or renames a local authority. Needs the owner's connection.
pub async fn upsert_local_authority(
    conn: &mut AsyncPgConnection,
    authority: &LocalAuthority,
) -> Result<()> {
    diesel::insert_into(local_authorities::table)
        .values((
            local_authorities::code.eq(authority.code.as_str()),
            local_authorities::name.eq(&authority.name),
        ))
        .on_conflict(local_authorities::code)
        .do_update()
        .set(local_authorities::name.eq(&authority.name))
        .execute(conn)
        .await?;
    Ok(())
}
