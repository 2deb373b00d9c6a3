//! What the persistence tests share: a migrated database with two local authorities, a pool
//! as the server's role, and tenant handles.

// Each test binary includes this module and uses part of it.
#![allow(dead_code)]

pub mod histories;

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use stable_futures_domain::audit::AuditContext;
use stable_futures_domain::child::{ChildDetails, ChildDraft};
use stable_futures_domain::local_authority::LocalAuthorityCode;
use stable_futures_domain::principal::{Principal, Scope};
use stable_futures_persistence::testing::TestDatabase;
use stable_futures_persistence::{Database, PoolSettings, TenantDb};

#[allow(unused_imports)]
pub use stable_futures_persistence::testing::{CAMDEN, ISLINGTON};

pub async fn setup() -> (TestDatabase, Database) {
    let database = TestDatabase::serving_two_authorities().await;
    let pool = Database::connect(&database.app_url, &PoolSettings::default())
        .await
        .expect("server role connects");
    (database, pool)
}

pub fn tenant(pool: &Database, la: &str) -> TenantDb {
    pool.for_principal(Arc::new(Principal {
        subject: "test".into(),
        client: None,
        local_authority: LocalAuthorityCode::parse(la).expect("code"),
        scopes: Scope::ALL.iter().copied().collect::<BTreeSet<_>>(),
    }))
}

/// A valid child's details, with this local id.
pub fn child_details(local_id: &str) -> ChildDetails {
    ChildDraft {
        local_child_id: local_id.into(),
        date_of_birth: NaiveDate::from_ymd_opt(2011, 1, 1),
        ..ChildDraft::default()
    }
    .validate(Utc::now().date_naive())
    .expect("valid")
}

pub fn audit() -> AuditContext {
    AuditContext::new("persistenceTests", None, None)
}

pub async fn register(db: &TenantDb, local_id: &str) -> stable_futures_domain::child::Child {
    db.register_child(child_details(local_id), Utc::now(), &audit(), None)
        .await
        .expect("registered")
}

/// A measurement draft of `outcome_key` by a young person who took part.
pub fn draft(outcome_key: &str) -> stable_futures_domain::outcomes::MeasurementDraft {
    stable_futures_domain::outcomes::MeasurementDraft {
        outcome_key: outcome_key.to_owned(),
        observed_at: Utc::now(),
        young_person_participated: true,
        young_person_rating: Some(3),
        young_person_words: None,
        practitioner_rating: None,
        practitioner_note: None,
        indicators_met: Vec::new(),
        supersedes: None,
    }
}
