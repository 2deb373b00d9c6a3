//! An authority's settings: the worklist thresholds, changed without a deploy.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use stable_futures_domain::audit::{AuditAction, AuditContext, FieldsClass};
use stable_futures_domain::worklist::{WorklistSettings, WorklistSettingsChange};
use std::collections::BTreeSet;

use crate::audit::insert_audit;
use crate::children::stale_version;
use crate::database::TenantDb;
use crate::error::{PersistenceError, Result};
use crate::schema::worklist_settings;

/// An authority's worklist settings and their version: 0 while the defaults apply (no row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionedSettings {
    pub settings: WorklistSettings,
    pub version: i32,
    /// When they were last changed; `None` for the defaults.
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = worklist_settings, check_for_backend(diesel::pg::Pg))]
struct SettingsRow {
    local_authority: String,
    guardian_request_days: i32,
    guardian_assignment_days: i32,
    measurement_interval_days: i32,
    young_person_view_window: i32,
    turning_18_days: i32,
    recovery_period_ending_days: i32,
    reconsideration_waiting_days: i32,
    version: i32,
    updated_at: DateTime<Utc>,
    updated_by: String,
}

fn stored(value: i32, column: &'static str) -> Result<u32> {
    u32::try_from(value).map_err(|_| PersistenceError::Corrupt {
        table: "worklist_settings",
        column,
    })
}

fn to_column(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

impl TryFrom<SettingsRow> for VersionedSettings {
    type Error = PersistenceError;

    fn try_from(row: SettingsRow) -> Result<Self> {
        Ok(VersionedSettings {
            settings: WorklistSettings {
                guardian_request_days: stored(row.guardian_request_days, "guardian_request_days")?,
                guardian_assignment_days: stored(
                    row.guardian_assignment_days,
                    "guardian_assignment_days",
                )?,
                measurement_interval_days: stored(
                    row.measurement_interval_days,
                    "measurement_interval_days",
                )?,
                young_person_view_window: stored(
                    row.young_person_view_window,
                    "young_person_view_window",
                )?,
                turning_18_days: stored(row.turning_18_days, "turning_18_days")?,
                recovery_period_ending_days: stored(
                    row.recovery_period_ending_days,
                    "recovery_period_ending_days",
                )?,
                reconsideration_waiting_days: stored(
                    row.reconsideration_waiting_days,
                    "reconsideration_waiting_days",
                )?,
            },
            version: row.version,
            updated_at: Some(row.updated_at),
        })
    }
}

async fn load(conn: &mut diesel_async::AsyncPgConnection) -> Result<VersionedSettings> {
    let row: Option<SettingsRow> = worklist_settings::table
        .select(SettingsRow::as_select())
        .first(conn)
        .await
        .optional()?;
    match row {
        Some(row) => row.try_into(),
        None => Ok(VersionedSettings {
            settings: WorklistSettings::default(),
            version: 0,
            updated_at: None,
        }),
    }
}

impl TenantDb {
    /// The authority's worklist settings (row-level security picks its row).
    pub async fn worklist_settings(&self) -> Result<VersionedSettings> {
        self.transaction(async move |conn| load(conn).await).await
    }

    /// Applies `change` if the settings are still at `expected_version` (0: the defaults), with
    /// an audit row of class `SETTINGS` and no child, in one transaction.
    pub async fn update_worklist_settings(
        &self,
        change: WorklistSettingsChange,
        expected_version: i32,
        now: DateTime<Utc>,
        audit: &AuditContext,
    ) -> Result<VersionedSettings> {
        let (principal, audit) = (self.principal.clone(), audit.clone());
        self.transaction(async move |conn| {
            // Serialises two changes of the same authority's settings: the second sees the first.
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('worklist_settings:' || current_local_authority()))")
                .execute(conn)
                .await?;
            let current = load(conn).await?;
            if current.version != expected_version {
                return Err(stale_version());
            }
            let settings = current.settings.apply(&change)?;
            let row = SettingsRow {
                local_authority: principal.local_authority.as_str().to_owned(),
                guardian_request_days: to_column(settings.guardian_request_days),
                guardian_assignment_days: to_column(settings.guardian_assignment_days),
                measurement_interval_days: to_column(settings.measurement_interval_days),
                young_person_view_window: to_column(settings.young_person_view_window),
                turning_18_days: to_column(settings.turning_18_days),
                recovery_period_ending_days: to_column(settings.recovery_period_ending_days),
                reconsideration_waiting_days: to_column(settings.reconsideration_waiting_days),
                version: expected_version + 1,
                updated_at: now,
                updated_by: principal.subject.clone(),
            };
            diesel::insert_into(worklist_settings::table)
                .values(&row)
                .on_conflict(worklist_settings::local_authority)
                .do_update()
                .set(&row)
                .execute(conn)
                .await?;
            insert_audit(
                conn,
                &principal,
                &audit,
                AuditAction::Update,
                &[(None, BTreeSet::from([FieldsClass::Settings]))],
            )
            .await?;
            row.try_into()
        })
        .await
    }
}
