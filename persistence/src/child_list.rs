//! A filtered, ordered list of the authority's children: the predicates and orders built with
//! diesel's query builder (never text), keyset-paged on the order's column and the id.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel_async::RunQueryDsl;
use stable_futures_domain::child::Child;
use stable_futures_domain::guardian::AssignmentStatus;
use stable_futures_domain::referral::{ExploitationType, ReferralStatus};

use crate::children::ChildRow;
use crate::database::TenantDb;
use crate::error::{PersistenceError, Result};
use crate::paging::{lookahead_limit, ListKey, OrderValue, OrderValueKind, Page};
use crate::schema::{children, guardian_assignments, nrm_referrals};
use stable_futures_domain::{ErrorCode, FieldError};

/// Which children to list. Every condition given must hold; `None` or an empty list: any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildFilter {
    pub updated_since: Option<DateTime<Utc>>,
    /// Has (or has not) a referral still waiting for a decision that ends it.
    pub has_open_referral: Option<bool>,
    /// Has a referral in one of these states.
    pub referral_statuses: Vec<ReferralStatus>,
    /// Has a referral about one of these kinds of exploitation.
    pub exploitation_types: Vec<ExploitationType>,
    pub age_disputed: Option<bool>,
    /// Has a guardian request or assignment in one of these states.
    pub guardian_statuses: Vec<AssignmentStatus>,
}

impl ChildFilter {
    /// Whether the filter reads the children's referrals.
    pub fn reads_referrals(&self) -> bool {
        self.has_open_referral.is_some()
            || !self.referral_statuses.is_empty()
            || !self.exploitation_types.is_empty()
    }

    /// Whether the filter reads the children's guardian assignments.
    pub fn reads_assignments(&self) -> bool {
        !self.guardian_statuses.is_empty()
    }
}

/// The column children are listed by (the id breaks ties).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChildOrderField {
    CreatedAt,
    UpdatedAt,
    DateOfBirth,
    LocalChildId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChildOrder {
    pub field: ChildOrderField,
    pub descending: bool,
}

impl ChildOrder {
    /// What the order's column holds.
    pub fn value_kind(&self) -> OrderValueKind {
        match self.field {
            ChildOrderField::CreatedAt | ChildOrderField::UpdatedAt => OrderValueKind::At,
            ChildOrderField::DateOfBirth => OrderValueKind::Date,
            ChildOrderField::LocalChildId => OrderValueKind::Text,
        }
    }

    /// The key of `child` in this order.
    pub fn key_of(&self, child: &Child) -> ListKey {
        let value = match self.field {
            ChildOrderField::CreatedAt => OrderValue::At(child.created_at),
            ChildOrderField::UpdatedAt => OrderValue::At(child.updated_at),
            ChildOrderField::DateOfBirth => OrderValue::Date(child.details.date_of_birth),
            ChildOrderField::LocalChildId => {
                OrderValue::Text(child.details.local_child_id.as_str().to_owned())
            }
        };
        (value, child.id.0)
    }
}

/// The statuses of a referral still waiting for a decision that ends it (`worklist::is_undecided`).
const OPEN_REFERRAL: &str = "(status IN ('SUBMITTED', 'RG_POSITIVE') OR (status IN ('RG_NEGATIVE', 'CG_NEGATIVE') AND reconsideration_requested_at IS NOT NULL))";

/// Narrows a boxed query of `children` to the authority and `filter` (for the page and its
/// count alike).
macro_rules! filtered {
    ($query:expr, $la:expr, $filter:expr) => {{
        let (la, filter): (&str, &ChildFilter) = ($la, $filter);
        let mut query = $query.filter(children::local_authority.eq(la.to_owned()));
        if let Some(since) = filter.updated_since {
            query = query.filter(children::updated_at.ge(since));
        }
        if let Some(disputed) = filter.age_disputed {
            query = query.filter(children::age_disputed.eq(disputed));
        }
        let referrals = || {
            nrm_referrals::table
                .filter(nrm_referrals::local_authority.eq(la.to_owned()))
                .into_boxed::<Pg>()
        };
        if let Some(open) = filter.has_open_referral {
            let with_open = children::id.eq_any(
                referrals()
                    .filter(sql::<Bool>(OPEN_REFERRAL))
                    .select(nrm_referrals::child_id),
            );
            query = if open {
                query.filter(with_open)
            } else {
                query.filter(diesel::dsl::not(with_open))
            };
        }
        if !filter.referral_statuses.is_empty() {
            let statuses: Vec<&'static str> = filter
                .referral_statuses
                .iter()
                .map(|s| s.as_str())
                .collect();
            query = query.filter(
                children::id.eq_any(
                    referrals()
                        .filter(nrm_referrals::status.eq_any(statuses))
                        .select(nrm_referrals::child_id),
                ),
            );
        }
        if !filter.exploitation_types.is_empty() {
            let types: Vec<Option<String>> = filter
                .exploitation_types
                .iter()
                .map(|t| Some(t.as_str().to_owned()))
                .collect();
            query = query.filter(
                children::id.eq_any(
                    referrals()
                        .filter(nrm_referrals::exploitation_types.overlaps_with(types))
                        .select(nrm_referrals::child_id),
                ),
            );
        }
        if !filter.guardian_statuses.is_empty() {
            let statuses: Vec<&'static str> = filter
                .guardian_statuses
                .iter()
                .map(|s| s.as_str())
                .collect();
            query = query.filter(
                children::id.eq_any(
                    guardian_assignments::table
                        .filter(guardian_assignments::local_authority.eq(la.to_owned()))
                        .filter(guardian_assignments::status.eq_any(statuses))
                        .select(guardian_assignments::child_id),
                ),
            );
        }
        query
    }};
}

/// `(column, id)` after (or, descending, before) the key; `None` for a key of another order.
macro_rules! beyond_key {
    ($query:expr, $order:expr, $key:expr) => {{
        let (order, (value, id)): (ChildOrder, ListKey) = ($order, $key);
        macro_rules! beyond {
            ($column:expr, $value:expr) => {
                if order.descending {
                    $query.filter(
                        $column
                            .lt($value.clone())
                            .or($column.eq($value).and(children::id.lt(id))),
                    )
                } else {
                    $query.filter(
                        $column
                            .gt($value.clone())
                            .or($column.eq($value).and(children::id.gt(id))),
                    )
                }
            };
        }
        match (order.field, value) {
            (ChildOrderField::CreatedAt, OrderValue::At(at)) => {
                Some(beyond!(children::created_at, at))
            }
            (ChildOrderField::UpdatedAt, OrderValue::At(at)) => {
                Some(beyond!(children::updated_at, at))
            }
            (ChildOrderField::DateOfBirth, OrderValue::Date(date)) => {
                Some(beyond!(children::date_of_birth, date))
            }
            (ChildOrderField::LocalChildId, OrderValue::Text(text)) => {
                Some(beyond!(children::local_child_id, text))
            }
            _ => None,
        }
    }};
}

impl TenantDb {
    /// The authority's children matching `filter`, in `order`, at most `first` after `after`.
    pub async fn children_list(
        &self,
        filter: &ChildFilter,
        order: ChildOrder,
        first: usize,
        after: Option<ListKey>,
    ) -> Result<Page<Child>> {
        let local_authority = self.principal.local_authority.as_str().to_owned();
        let filter = filter.clone();
        let limit = lookahead_limit(first);
        let rows: Vec<ChildRow> = self
            .transaction(async move |conn| {
                let query = children::table
                    .select(ChildRow::as_select())
                    .limit(limit)
                    .into_boxed();
                let mut query = filtered!(query, &local_authority, &filter);
                if let Some(key) = after {
                    query = beyond_key!(query, order, key).ok_or_else(|| {
                        PersistenceError::Invalid(
                            FieldError::new(
                                "after",
                                ErrorCode::InvalidFormat,
                                "the cursor belongs to another order",
                            )
                            .into(),
                        )
                    })?;
                }
                let query = match (order.field, order.descending) {
                    (ChildOrderField::CreatedAt, false) => {
                        query.order((children::created_at.asc(), children::id.asc()))
                    }
                    (ChildOrderField::CreatedAt, true) => {
                        query.order((children::created_at.desc(), children::id.desc()))
                    }
                    (ChildOrderField::UpdatedAt, false) => {
                        query.order((children::updated_at.asc(), children::id.asc()))
                    }
                    (ChildOrderField::UpdatedAt, true) => {
                        query.order((children::updated_at.desc(), children::id.desc()))
                    }
                    (ChildOrderField::DateOfBirth, false) => {
                        query.order((children::date_of_birth.asc(), children::id.asc()))
                    }
                    (ChildOrderField::DateOfBirth, true) => {
                        query.order((children::date_of_birth.desc(), children::id.desc()))
                    }
                    (ChildOrderField::LocalChildId, false) => {
                        query.order((children::local_child_id.asc(), children::id.asc()))
                    }
                    (ChildOrderField::LocalChildId, true) => {
                        query.order((children::local_child_id.desc(), children::id.desc()))
                    }
                };
                Ok(query.load(conn).await?)
            })
            .await?;
        Page::from_lookahead(rows, first).try_map(Child::try_from)
    }

    /// How many of the authority's children match `filter`.
    pub async fn count_children_matching(&self, filter: &ChildFilter) -> Result<i64> {
        let local_authority = self.principal.local_authority.as_str().to_owned();
        let filter = filter.clone();
        self.transaction(async move |conn| {
            let query = children::table.count().into_boxed();
            Ok(filtered!(query, &local_authority, &filter)
                .get_result(conn)
                .await?)
        })
        .await
    }
}

/// An identifier a case system may know a child by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChildIdentifier {
    NhsNumber(stable_futures_domain::child::NhsNumber),
    Upn(stable_futures_domain::child::Upn),
    LocalChildId(stable_futures_domain::child::LocalChildId),
    /// The NRM's reference of one of the child's referrals.
    HomeOfficeReference(stable_futures_domain::referral::HomeOfficeReference),
}

impl TenantDb {
    /// The authority's child with this local id (unique in the authority).
    pub async fn child_by_local_id(
        &self,
        local_child_id: &stable_futures_domain::child::LocalChildId,
    ) -> Result<Option<Child>> {
        self.child_by_identifier(&ChildIdentifier::LocalChildId(local_child_id.clone()))
            .await
    }

    /// The authority's child with this identifier; if two records share it (a duplicate not yet
    /// merged), the earliest registered.
    pub async fn child_by_identifier(&self, identifier: &ChildIdentifier) -> Result<Option<Child>> {
        let local_authority = self.principal.local_authority.as_str().to_owned();
        let identifier = identifier.clone();
        let row: Option<ChildRow> = self
            .transaction(async move |conn| {
                let query = children::table
                    .filter(children::local_authority.eq(local_authority.clone()))
                    .select(ChildRow::as_select())
                    .order(children::id.asc())
                    .into_boxed();
                let query = match &identifier {
                    ChildIdentifier::NhsNumber(number) => {
                        query.filter(children::nhs_number.eq(number.as_str().to_owned()))
                    }
                    ChildIdentifier::Upn(upn) => {
                        query.filter(children::upn.eq(upn.as_str().to_owned()))
                    }
                    ChildIdentifier::LocalChildId(id) => {
                        query.filter(children::local_child_id.eq(id.as_str().to_owned()))
                    }
                    ChildIdentifier::HomeOfficeReference(reference) => query.filter(
                        children::id.eq_any(
                            nrm_referrals::table
                                .filter(nrm_referrals::local_authority.eq(local_authority))
                                .filter(
                                    nrm_referrals::home_office_reference
                                        .eq(reference.as_str().to_owned()),
                                )
                                .select(nrm_referrals::child_id),
                        ),
                    ),
                };
                Ok(query.first(conn).await.optional()?)
            })
            .await?;
        row.map(Child::try_from).transpose()
    }
}
