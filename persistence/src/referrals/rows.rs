use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use stable_futures_domain::ids::{ChildId, ReferralId};
use stable_futures_domain::referral::{
    CompetentAuthority, Decision, DecisionOutcome, ExploitationLocation, ExploitationType,
    FirstResponder, FirstResponderType, HomeOfficeReference, NrmReferral, ReferralEvent,
    ReferralEventKind, ReferralStatus,
};
use uuid::Uuid;

use crate::error::{PersistenceError, Result};
use crate::schema::{nrm_referrals, referral_events};

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = nrm_referrals, check_for_backend(diesel::pg::Pg))]
#[diesel(treat_none_as_null = true)]
// `NULL`, not `DEFAULT`, for `None`, so that the insert can stay prepared (see prepared.rs).
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct ReferralRow {
    pub(crate) id: Uuid,
    pub(crate) local_authority: String,
    pub(crate) child_id: Uuid,
    pub(crate) referred_at: DateTime<Utc>,
    pub(crate) first_responder_type: String,
    pub(crate) first_responder_name: String,
    pub(crate) exploitation_types: Vec<Option<String>>,
    pub(crate) county_lines: bool,
    pub(crate) exploitation_location: String,
    pub(crate) competent_authority: String,
    pub(crate) status: String,
    pub(crate) rg_outcome: Option<String>,
    pub(crate) rg_decided_at: Option<DateTime<Utc>>,
    pub(crate) cg_outcome: Option<String>,
    pub(crate) cg_decided_at: Option<DateTime<Utc>>,
    pub(crate) reconsideration_requested_at: Option<DateTime<Utc>>,
    pub(crate) withdrawn_at: Option<DateTime<Utc>>,
    pub(crate) version: i32,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) reasonable_grounds_due_on: NaiveDate,
    pub(crate) first_rg_outcome: Option<String>,
    pub(crate) first_rg_decided_at: Option<DateTime<Utc>>,
    pub(crate) home_office_reference: Option<String>,
    pub(crate) recorded_by_local_authority: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = referral_events, check_for_backend(diesel::pg::Pg))]
pub(crate) struct EventRow {
    pub(crate) referral_id: Uuid,
    pub(super) kind: String,
    pub(super) at: DateTime<Utc>,
    pub(super) outcome: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = referral_events)]
// `NULL`, not `DEFAULT`, for `None`, so that the insert can stay prepared (see prepared.rs).
#[diesel(treat_none_as_default_value = false)]
pub(super) struct NewEventRow {
    pub(super) local_authority: String,
    pub(crate) referral_id: Uuid,
    pub(super) kind: String,
    pub(super) at: DateTime<Utc>,
    pub(super) outcome: Option<String>,
    pub(super) recorded_by: String,
    pub(super) recorded_at: DateTime<Utc>,
}

fn corrupt(column: &'static str) -> PersistenceError {
    PersistenceError::Corrupt {
        table: "nrm_referrals",
        column,
    }
}

fn decision(
    outcome: Option<String>,
    at: Option<DateTime<Utc>>,
    column: &'static str,
) -> Result<Option<Decision>> {
    match (outcome, at) {
        (Some(outcome), Some(decided_at)) => Ok(Some(Decision {
            outcome: DecisionOutcome::parse(&outcome).ok_or_else(|| corrupt(column))?,
            decided_at,
        })),
        _ => Ok(None),
    }
}

impl TryFrom<ReferralRow> for NrmReferral {
    type Error = PersistenceError;

    fn try_from(row: ReferralRow) -> Result<Self> {
        Ok(NrmReferral {
            id: ReferralId(row.id),
            child_id: ChildId(row.child_id),
            referred_at: row.referred_at,
            first_responder: FirstResponder {
                organisation_type: FirstResponderType::parse(&row.first_responder_type)
                    .ok_or_else(|| corrupt("first_responder_type"))?,
                organisation_name: row.first_responder_name,
            },
            exploitation_types: row
                .exploitation_types
                .into_iter()
                .flatten()
                .map(|t| ExploitationType::parse(&t).ok_or_else(|| corrupt("exploitation_types")))
                .collect::<Result<BTreeSet<_>>>()?,
            county_lines: row.county_lines,
            exploitation_location: ExploitationLocation::parse(&row.exploitation_location)
                .ok_or_else(|| corrupt("exploitation_location"))?,
            competent_authority: CompetentAuthority::parse(&row.competent_authority)
                .ok_or_else(|| corrupt("competent_authority"))?,
            status: ReferralStatus::parse(&row.status).ok_or_else(|| corrupt("status"))?,
            reasonable_grounds_due_on: row.reasonable_grounds_due_on,
            first_reasonable_grounds: decision(
                row.first_rg_outcome,
                row.first_rg_decided_at,
                "first_rg_outcome",
            )?,
            reasonable_grounds: decision(row.rg_outcome, row.rg_decided_at, "rg_outcome")?,
            conclusive_grounds: decision(row.cg_outcome, row.cg_decided_at, "cg_outcome")?,
            reconsideration_requested_at: row.reconsideration_requested_at,
            withdrawn_at: row.withdrawn_at,
            home_office_reference: row
                .home_office_reference
                .map(|text| {
                    HomeOfficeReference::parse(&text).map_err(|_| corrupt("home_office_reference"))
                })
                .transpose()?,
            recorded_by_local_authority: crate::error::recorded_by(
                row.recorded_by_local_authority,
                "nrm_referrals",
            )?,
            version: row.version,
        })
    }
}

pub(crate) fn to_row(
    referral: &NrmReferral,
    local_authority: &str,
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ReferralRow {
    ReferralRow {
        id: referral.id.0,
        local_authority: local_authority.to_owned(),
        child_id: referral.child_id.0,
        referred_at: referral.referred_at,
        first_responder_type: referral
            .first_responder
            .organisation_type
            .as_str()
            .to_owned(),
        first_responder_name: referral.first_responder.organisation_name.clone(),
        exploitation_types: referral
            .exploitation_types
            .iter()
            .map(|t| Some(t.as_str().to_owned()))
            .collect(),
        county_lines: referral.county_lines,
        exploitation_location: referral.exploitation_location.as_str().to_owned(),
        competent_authority: referral.competent_authority.as_str().to_owned(),
        status: referral.status.as_str().to_owned(),
        rg_outcome: referral
            .reasonable_grounds
            .map(|d| d.outcome.as_str().to_owned()),
        rg_decided_at: referral.reasonable_grounds.map(|d| d.decided_at),
        cg_outcome: referral
            .conclusive_grounds
            .map(|d| d.outcome.as_str().to_owned()),
        cg_decided_at: referral.conclusive_grounds.map(|d| d.decided_at),
        reconsideration_requested_at: referral.reconsideration_requested_at,
        withdrawn_at: referral.withdrawn_at,
        version: referral.version,
        created_at,
        updated_at: now,
        reasonable_grounds_due_on: referral.reasonable_grounds_due_on,
        first_rg_outcome: referral
            .first_reasonable_grounds
            .map(|d| d.outcome.as_str().to_owned()),
        first_rg_decided_at: referral.first_reasonable_grounds.map(|d| d.decided_at),
        home_office_reference: referral
            .home_office_reference
            .as_ref()
            .map(|reference| reference.as_str().to_owned()),
        recorded_by_local_authority: referral
            .recorded_by_local_authority
            .as_ref()
            .map(|code| code.as_str().to_owned()),
    }
}

impl TryFrom<EventRow> for ReferralEvent {
    type Error = PersistenceError;

    fn try_from(row: EventRow) -> Result<Self> {
        let corrupt = |column| PersistenceError::Corrupt {
            table: "referral_events",
            column,
        };
        Ok(ReferralEvent {
            kind: ReferralEventKind::parse(&row.kind).ok_or_else(|| corrupt("kind"))?,
            at: row.at,
            outcome: row
                .outcome
                .map(|o| DecisionOutcome::parse(&o).ok_or_else(|| corrupt("outcome")))
                .transpose()?,
        })
    }
}
