//! The one way to a child's data.
//!
//! A resolver that hands out anything about a child opens a [`Gate`] with the scope the field
//! needs. Opening it checks the scope (a nullable field is answered `null` with a `FORBIDDEN`
//! error at its path; [`Gate::require`] refuses outright); only an open gate reaches the
//! request's DataLoaders; and only the gate makes the object types that wrap a child's records
//! ([`ChildData`]), noting the read in the request's audit log as it does. The wrappers' inner
//! values are private and their constructor asks for an [`Audited`] proof that only this module
//! can make, so a new field cannot hand out a child's data without both the scope check and the
//! audit row. `api/tests/scopes_and_audit.rs` holds every field of the live schema to this.

use std::sync::Arc;

use async_graphql::Context;
use stable_futures_domain::ids::ChildId;
use stable_futures_domain::principal::Scope;
use stable_futures_persistence::TenantDb;
use uuid::Uuid;

use super::audit::{self, AuditLog, FieldsClass};
use super::errors::ApiError;
use super::guard::permit;
use super::ids::{self, NodeKind};
use super::loaders::Loaders;
use crate::caller::{request, RequestContext};

/// Proof that a child's record passed the gate: its scope was checked and its read noted (or, for
/// a mutation's answer, its write audited). Only this module makes one.
#[derive(Debug, Clone, Copy)]
pub struct Audited(());

/// An object type that wraps one of a child's records.
pub trait ChildData: Sized {
    /// The domain value it wraps.
    type Value;
    /// The scope a caller needs to be handed one.
    const SCOPE: Scope;
    /// What kind of data the audit trail says was read.
    const CLASS: FieldsClass;

    /// The kind of global id that names one.
    const KIND: NodeKind;

    fn child_of(value: &Self::Value) -> ChildId;

    /// Wraps an audited value. Implementations do nothing else.
    fn wrap(value: Self::Value, proof: Audited) -> Self;

    /// Loads one by its uuid through the request's DataLoaders (batched with its siblings).
    fn load(
        loaders: &Loaders,
        id: Uuid,
    ) -> impl std::future::Future<Output = Result<Option<Self::Value>, ApiError>> + Send;
}

/// The record a global id names, if it is of `T`'s kind, exists and is the caller's; `null` with
/// a `FORBIDDEN` error at the field when the caller lacks `T`'s scope.
pub async fn by_global_id<T: ChildData>(
    ctx: &Context<'_>,
    id: &async_graphql::ID,
) -> async_graphql::Result<Option<T>> {
    let Some(gate) = Gate::open(ctx, T::SCOPE)? else {
        return Ok(None);
    };
    let Some(uuid) = ids::decode(id, T::KIND)? else {
        return Ok(None);
    };
    Ok(gate.find(uuid).await?)
}

/// The record of `T` with this id, if there is one (`None`: the field names none) and it is the
/// caller's; `null` with a `FORBIDDEN` error at the field when the caller lacks `T`'s scope. What
/// a field that points at another record resolves with.
pub async fn related<T: ChildData>(
    ctx: &Context<'_>,
    id: Option<Uuid>,
) -> async_graphql::Result<Option<T>> {
    let Some(id) = id else {
        return Ok(None);
    };
    let Some(gate) = Gate::open(ctx, T::SCOPE)? else {
        return Ok(None);
    };
    Ok(gate.find(id).await?)
}

/// The request's DataLoaders and tenant handle, reachable only through an open [`Gate`].
pub struct ReadState {
    loaders: Loaders,
    db: TenantDb,
}

impl std::fmt::Debug for ReadState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReadState")
    }
}

impl ReadState {
    pub(super) fn new(db: &TenantDb) -> Arc<Self> {
        Arc::new(Self {
            loaders: Loaders::new(db),
            db: db.clone(),
        })
    }
}

/// An open gate: the scope it was opened with is held, and every child record it hands out is
/// noted in the audit log.
#[derive(Clone, Copy)]
pub struct Gate<'a> {
    request: &'a RequestContext,
    loaders: &'a Loaders,
    db: &'a TenantDb,
    log: &'a AuditLog,
}

impl std::fmt::Debug for Gate<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Gate")
    }
}

impl<'a> Gate<'a> {
    fn of(ctx: &Context<'a>) -> Result<Self, ApiError> {
        let state = ctx
            .data::<Arc<ReadState>>()
            .map_err(|_| ApiError::Unauthenticated)?;
        Ok(Self {
            request: request(ctx)?,
            loaders: &state.loaders,
            db: &state.db,
            log: audit::log(ctx)?,
        })
    }

    /// For a nullable field: `None` (with a `FORBIDDEN` error at the field's path, its siblings
    /// answered as usual) when the caller lacks `scope`.
    pub fn open(ctx: &Context<'a>, scope: Scope) -> async_graphql::Result<Option<Self>> {
        if !permit(ctx, scope)? {
            return Ok(None);
        }
        Ok(Some(Self::of(ctx)?))
    }

    /// For a read that must fail as a whole without `scope` (an id naming a type whose scope the
    /// caller lacks).
    pub fn require(ctx: &Context<'a>, scope: Scope) -> Result<Self, ApiError> {
        request(ctx)?.require(scope)?;
        Self::of(ctx)
    }

    pub fn loaders(&self) -> &'a Loaders {
        self.loaders
    }

    /// The tenant handle, for reads that are not a DataLoader's (a page, a lookup by the case
    /// system's id, the feed, the trail).
    pub fn db(&self) -> &'a TenantDb {
        self.db
    }

    pub fn request(&self) -> &'a RequestContext {
        self.request
    }

    /// Hands out `value` wrapped, noting the read. Refused when the caller lacks the scope of
    /// the value's type, whatever scope the gate was opened with.
    pub fn expose<T: ChildData>(&self, value: T::Value) -> Result<T, ApiError> {
        self.request.require(T::SCOPE)?;
        self.log.read(Some(T::child_of(&value)), T::CLASS);
        Ok(T::wrap(value, Audited(())))
    }

    /// The record of type `T` with uuid `id`, exposed; `None` if it does not exist or is not the
    /// caller's.
    pub async fn find<T: ChildData>(&self, id: Uuid) -> Result<Option<T>, ApiError> {
        T::load(self.loaders, id)
            .await?
            .map(|value| self.expose(value))
            .transpose()
    }

    /// [`Gate::expose`] for each of `values`.
    pub fn expose_all<T: ChildData>(
        &self,
        values: impl IntoIterator<Item = T::Value>,
    ) -> Result<Vec<T>, ApiError> {
        values.into_iter().map(|value| self.expose(value)).collect()
    }

    /// Notes that `class` data of `child` (or of no particular child) is handed out without a
    /// wrapper: a derived figure, a young person's own words, the audit trail itself.
    pub fn note(&self, child: Option<ChildId>, class: FieldsClass) {
        self.log.read(child, class);
    }

    /// Notes that `classes` of `child`'s data are handed out in a value that is not one of the
    /// child's records (a worklist item), and proves it: such values are built only with it.
    pub fn noted(&self, child: ChildId, classes: &[FieldsClass]) -> Audited {
        for class in classes {
            self.log.read(Some(child), *class);
        }
        Audited(())
    }
}

/// Reference data that holds nothing about a child (the outcome framework): any caller may read
/// it, and it is not audited.
pub async fn current_framework(
    ctx: &Context<'_>,
) -> Result<Arc<stable_futures_domain::outcomes::OutcomeFramework>, ApiError> {
    let state = ctx
        .data::<Arc<ReadState>>()
        .map_err(|_| ApiError::Unauthenticated)?;
    Ok(state.db.current_framework().await?)
}

/// A local authority by code: reference data that holds nothing about a child (another
/// authority's name, on a transfer or a record's provenance), not audited.
pub async fn local_authority(
    ctx: &Context<'_>,
    code: &stable_futures_domain::local_authority::LocalAuthorityCode,
) -> Result<stable_futures_domain::local_authority::LocalAuthority, ApiError> {
    let state = ctx
        .data::<Arc<ReadState>>()
        .map_err(|_| ApiError::Unauthenticated)?;
    let found = state
        .loaders
        .authorities
        .load_one(code.clone())
        .await
        .map_err(ApiError::from)?;
    // Codes on records are served authorities' (one is never removed); were one not, it would
    // still be shown, named by its code.
    Ok(
        found.unwrap_or_else(|| stable_futures_domain::local_authority::LocalAuthority {
            code: code.clone(),
            name: code.as_str().to_owned(),
        }),
    )
}

/// The authority that recorded a record: `recorded_by`, or else the caller's own (a record is
/// only ever read by the authority that holds it, which recorded it unless it moved there).
pub async fn recorded_by(
    ctx: &Context<'_>,
    recorded_by: Option<&stable_futures_domain::local_authority::LocalAuthorityCode>,
) -> Result<stable_futures_domain::local_authority::LocalAuthority, ApiError> {
    match recorded_by {
        Some(code) => local_authority(ctx, code).await,
        None => Ok(request(ctx)?.local_authority.clone()),
    }
}

/// Wraps the record a mutation has just written and audited (its `AUDIT` row names the write, so
/// no `READ` row is added for handing it back).
pub fn written<T: ChildData>(
    value: T::Value,
    _audited_write: &stable_futures_domain::audit::AuditContext,
) -> T {
    T::wrap(value, Audited(()))
}
