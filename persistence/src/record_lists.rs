//! Filtered, ordered lists of the authority's referrals and guardian assignments, built with
//! diesel's query builder and keyset-paged on the order's column and the id. Each row comes
//! with its key, since the order's column (`updated_at`) is not always part of the entity.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use stable_futures_domain::guardian::{AssignmentStatus, GuardianAssignment, GuardianService};
use stable_futures_domain::referral::{
    CompetentAuthority, ExploitationType, NrmReferral, ReferralStatus,
};
use stable_futures_domain::{ErrorCode, FieldError};

use crate::database::TenantDb;
use crate::error::{PersistenceError, Result};
use crate::guardians::AssignmentRow;
use crate::paging::{lookahead_limit, ListKey, OrderValue, OrderValueKind, Page};
use crate::referrals::ReferralRow;
use crate::schema::{guardian_assignments, nrm_referrals};

/// Which referrals to list: every condition given must hold; `None` or an empty list: any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferralFilter {
    pub statuses: Vec<ReferralStatus>,
    pub competent_authorities: Vec<CompetentAuthority>,
    /// About one of these kinds of exploitation.
    pub exploitation_types: Vec<ExploitationType>,
    pub referred_from: Option<DateTime<Utc>>,
    pub referred_before: Option<DateTime<Utc>>,
    /// A reasonable-grounds decision due before this day (decided or not).
    pub reasonable_grounds_due_before: Option<NaiveDate>,
    pub updated_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferralOrderField {
    ReferredAt,
    UpdatedAt,
    ReasonableGroundsDueOn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReferralOrder {
    pub field: ReferralOrderField,
    pub descending: bool,
}

impl ReferralOrder {
    pub fn value_kind(&self) -> OrderValueKind {
        match self.field {
            ReferralOrderField::ReferredAt | ReferralOrderField::UpdatedAt => OrderValueKind::At,
            ReferralOrderField::ReasonableGroundsDueOn => OrderValueKind::Date,
        }
    }

    fn key_of(&self, row: &ReferralRow) -> ListKey {
        let value = match self.field {
            ReferralOrderField::ReferredAt => OrderValue::At(row.referred_at),
            ReferralOrderField::UpdatedAt => OrderValue::At(row.updated_at),
            ReferralOrderField::ReasonableGroundsDueOn => {
                OrderValue::Date(row.reasonable_grounds_due_on)
            }
        };
        (value, row.id)
    }
}

/// Which guardian requests and assignments to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssignmentFilter {
    pub statuses: Vec<AssignmentStatus>,
    pub services: Vec<GuardianService>,
    pub requested_from: Option<DateTime<Utc>>,
    pub requested_before: Option<DateTime<Utc>>,
    pub updated_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssignmentOrderField {
    RequestedAt,
    UpdatedAt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AssignmentOrder {
    pub field: AssignmentOrderField,
    pub descending: bool,
}

impl AssignmentOrder {
    pub fn value_kind(&self) -> OrderValueKind {
        OrderValueKind::At
    }

    fn key_of(&self, row: &AssignmentRow) -> ListKey {
        let at = match self.field {
            AssignmentOrderField::RequestedAt => row.requested_at,
            AssignmentOrderField::UpdatedAt => row.updated_at,
        };
        (OrderValue::At(at), row.id)
    }
}

fn another_order() -> PersistenceError {
    PersistenceError::Invalid(
        FieldError::new(
            "after",
            ErrorCode::InvalidFormat,
            "the cursor belongs to another order",
        )
        .into(),
    )
}

/// `(column, id)` beyond `(value, id)` in the order's direction.
macro_rules! beyond {
    ($query:expr, $descending:expr, $column:expr, $id_column:expr, $value:expr, $id:expr) => {
        if $descending {
            $query.filter(
                $column
                    .lt($value.clone())
                    .or($column.eq($value).and($id_column.lt($id))),
            )
        } else {
            $query.filter(
                $column
                    .gt($value.clone())
                    .or($column.eq($value).and($id_column.gt($id))),
            )
        }
    };
}

/// Orders by `(column, id)` in the direction.
macro_rules! ordered {
    ($query:expr, $descending:expr, $column:expr, $id_column:expr) => {
        if $descending {
            $query.order(($column.desc(), $id_column.desc()))
        } else {
            $query.order(($column.asc(), $id_column.asc()))
        }
    };
}

impl TenantDb {
    /// The authority's referrals matching `filter`, in `order`, at most `first` after `after`,
    /// each with its key.
    pub async fn referrals_list(
        &self,
        filter: &ReferralFilter,
        order: ReferralOrder,
        first: usize,
        after: Option<ListKey>,
    ) -> Result<Page<(NrmReferral, ListKey)>> {
        let la = self.principal.local_authority.as_str().to_owned();
        let filter = filter.clone();
        let limit = lookahead_limit(first);
        let rows: Vec<ReferralRow> = self
            .transaction(async move |conn| {
                let mut query = nrm_referrals::table
                    .filter(nrm_referrals::local_authority.eq(la))
                    .select(ReferralRow::as_select())
                    .limit(limit)
                    .into_boxed();
                if !filter.statuses.is_empty() {
                    let values: Vec<&str> = filter.statuses.iter().map(|s| s.as_str()).collect();
                    query = query.filter(nrm_referrals::status.eq_any(values));
                }
                if !filter.competent_authorities.is_empty() {
                    let values: Vec<&str> = filter
                        .competent_authorities
                        .iter()
                        .map(|s| s.as_str())
                        .collect();
                    query = query.filter(nrm_referrals::competent_authority.eq_any(values));
                }
                if !filter.exploitation_types.is_empty() {
                    let values: Vec<Option<String>> = filter
                        .exploitation_types
                        .iter()
                        .map(|t| Some(t.as_str().to_owned()))
                        .collect();
                    query = query.filter(nrm_referrals::exploitation_types.overlaps_with(values));
                }
                if let Some(from) = filter.referred_from {
                    query = query.filter(nrm_referrals::referred_at.ge(from));
                }
                if let Some(before) = filter.referred_before {
                    query = query.filter(nrm_referrals::referred_at.lt(before));
                }
                if let Some(before) = filter.reasonable_grounds_due_before {
                    query = query.filter(nrm_referrals::reasonable_grounds_due_on.lt(before));
                }
                if let Some(since) = filter.updated_since {
                    query = query.filter(nrm_referrals::updated_at.ge(since));
                }
                let desc = order.descending;
                if let Some((value, id)) = after {
                    query = match (order.field, value) {
                        (ReferralOrderField::ReferredAt, OrderValue::At(at)) => {
                            beyond!(
                                query,
                                desc,
                                nrm_referrals::referred_at,
                                nrm_referrals::id,
                                at,
                                id
                            )
                        }
                        (ReferralOrderField::UpdatedAt, OrderValue::At(at)) => {
                            beyond!(
                                query,
                                desc,
                                nrm_referrals::updated_at,
                                nrm_referrals::id,
                                at,
                                id
                            )
                        }
                        (ReferralOrderField::ReasonableGroundsDueOn, OrderValue::Date(date)) => {
                            beyond!(
                                query,
                                desc,
                                nrm_referrals::reasonable_grounds_due_on,
                                nrm_referrals::id,
                                date,
                                id
                            )
                        }
                        _ => return Err(another_order()),
                    };
                }
                let query = match order.field {
                    ReferralOrderField::ReferredAt => {
                        ordered!(query, desc, nrm_referrals::referred_at, nrm_referrals::id)
                    }
                    ReferralOrderField::UpdatedAt => {
                        ordered!(query, desc, nrm_referrals::updated_at, nrm_referrals::id)
                    }
                    ReferralOrderField::ReasonableGroundsDueOn => ordered!(
                        query,
                        desc,
                        nrm_referrals::reasonable_grounds_due_on,
                        nrm_referrals::id
                    ),
                };
                Ok(query.load(conn).await?)
            })
            .await?;
        Page::from_lookahead(rows, first).try_map(|row| {
            let key = order.key_of(&row);
            NrmReferral::try_from(row).map(|referral| (referral, key))
        })
    }

    /// The authority's guardian requests and assignments matching `filter`, in `order`, at most
    /// `first` after `after`, each with its key.
    pub async fn assignments_list(
        &self,
        filter: &AssignmentFilter,
        order: AssignmentOrder,
        first: usize,
        after: Option<ListKey>,
    ) -> Result<Page<(GuardianAssignment, ListKey)>> {
        let la = self.principal.local_authority.as_str().to_owned();
        let filter = filter.clone();
        let limit = lookahead_limit(first);
        let rows: Vec<AssignmentRow> = self
            .transaction(async move |conn| {
                let mut query = guardian_assignments::table
                    .filter(guardian_assignments::local_authority.eq(la))
                    .select(AssignmentRow::as_select())
                    .limit(limit)
                    .into_boxed();
                if !filter.statuses.is_empty() {
                    let values: Vec<&str> = filter.statuses.iter().map(|s| s.as_str()).collect();
                    query = query.filter(guardian_assignments::status.eq_any(values));
                }
                if !filter.services.is_empty() {
                    let values: Vec<&str> = filter.services.iter().map(|s| s.as_str()).collect();
                    query = query.filter(guardian_assignments::service.eq_any(values));
                }
                if let Some(from) = filter.requested_from {
                    query = query.filter(guardian_assignments::requested_at.ge(from));
                }
                if let Some(before) = filter.requested_before {
                    query = query.filter(guardian_assignments::requested_at.lt(before));
                }
                if let Some(since) = filter.updated_since {
                    query = query.filter(guardian_assignments::updated_at.ge(since));
                }
                let desc = order.descending;
                if let Some((value, id)) = after {
                    let OrderValue::At(at) = value else {
                        return Err(another_order());
                    };
                    query = match order.field {
                        AssignmentOrderField::RequestedAt => beyond!(
                            query,
                            desc,
                            guardian_assignments::requested_at,
                            guardian_assignments::id,
                            at,
                            id
                        ),
                        AssignmentOrderField::UpdatedAt => beyond!(
                            query,
                            desc,
                            guardian_assignments::updated_at,
                            guardian_assignments::id,
                            at,
                            id
                        ),
                    };
                }
                let query = match order.field {
                    AssignmentOrderField::RequestedAt => ordered!(
                        query,
                        desc,
                        guardian_assignments::requested_at,
                        guardian_assignments::id
                    ),
                    AssignmentOrderField::UpdatedAt => ordered!(
                        query,
                        desc,
                        guardian_assignments::updated_at,
                        guardian_assignments::id
                    ),
                };
                Ok(query.load(conn).await?)
            })
            .await?;
        Page::from_lookahead(rows, first).try_map(|row| {
            let key = order.key_of(&row);
            GuardianAssignment::try_from(row).map(|assignment| (assignment, key))
        })
    }
}
