//! Test-only: whole histories written as rows in one transaction, through the row mappings the
//! writes use, so a test can hold thousands of children with random histories without thousands
//! of round trips (the worklist's oracle test). No audit rows and no change feed: it is not a
//! write of the service.

use chrono::{DateTime, Utc};
use diesel_async::RunQueryDsl;
use stable_futures_domain::child::Child;
use stable_futures_domain::guardian::GuardianAssignment;
use stable_futures_domain::outcomes::OutcomeMeasurement;
use stable_futures_domain::referral::NrmReferral;

use crate::children::ChildRow;
use crate::database::TenantDb;
use crate::error::Result;
use crate::schema::{children, guardian_assignments, nrm_referrals, outcome_measurements};

/// Rows per INSERT: well under PostgreSQL's 65,535 bind parameters for the widest table.
const CHUNK: usize = 500;

/// The records of the principal's authority to insert.
#[derive(Debug, Clone, Copy)]
pub struct Histories<'a> {
    pub children: &'a [Child],
    pub referrals: &'a [NrmReferral],
    pub assignments: &'a [GuardianAssignment],
    pub measurements: &'a [OutcomeMeasurement],
    /// When the rows say they were written.
    pub written_at: DateTime<Utc>,
}

impl TenantDb {
    /// Inserts `histories` as they are (they must already be valid: made by the domain's
    /// transitions), children first.
    pub async fn insert_histories_for_tests(&self, histories: Histories<'_>) -> Result<()> {
        let local_authority = self.principal.local_authority.as_str().to_owned();
        let at = histories.written_at;
        let children: Vec<ChildRow> = histories.children.iter().map(ChildRow::from).collect();
        let referrals: Vec<_> = histories
            .referrals
            .iter()
            .map(|r| crate::referrals::to_row(r, &local_authority, at, at))
            .collect();
        let assignments: Vec<_> = histories
            .assignments
            .iter()
            .map(|a| crate::guardians::to_row(a, &local_authority, at, at))
            .collect();
        // A correction refers to what it corrects: the corrected ones go first.
        let (originals, corrections): (Vec<_>, Vec<_>) = histories
            .measurements
            .iter()
            .partition(|m| m.supersedes.is_none());
        let measurements: Vec<Vec<_>> = [originals, corrections]
            .into_iter()
            .map(|ms| {
                ms.into_iter()
                    .map(|m| crate::measurements::to_row(m, &local_authority))
                    .collect()
            })
            .collect();
        self.transaction(async move |conn| {
            for chunk in children.chunks(CHUNK) {
                diesel::insert_into(children::table)
                    .values(chunk)
                    .execute(conn)
                    .await?;
            }
            for chunk in referrals.chunks(CHUNK) {
                diesel::insert_into(nrm_referrals::table)
                    .values(chunk)
                    .execute(conn)
                    .await?;
            }
            for chunk in assignments.chunks(CHUNK) {
                diesel::insert_into(guardian_assignments::table)
                    .values(chunk)
                    .execute(conn)
                    .await?;
            }
            for rows in &measurements {
                for chunk in rows.chunks(CHUNK) {
                    diesel::insert_into(outcome_measurements::table)
                        .values(chunk)
                        .execute(conn)
                        .await?;
                }
            }
            Ok(())
        })
        .await
    }
}
