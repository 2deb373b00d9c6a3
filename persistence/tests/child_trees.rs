//! A child's tree in one statement against the per-relation reads it replaces: on random
//! histories (every decision, corrections, ended assignments), every child, referral, timeline
//! event, assignment and measurement the tree holds is exactly what the per-relation reads
//! return, whatever the plan and page, and never a row of another authority.

mod common;

use std::collections::HashMap;

use common::histories::{histories, Authority};
use common::{setup, tenant, CAMDEN, ISLINGTON};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use stable_futures_domain::ids::{ChildId, MeasurementId, ReferralId};
use stable_futures_persistence::testing::TestDatabase;
use stable_futures_persistence::{ChildTree, MeasurementFilter, NestedPage, TenantDb, TreePlan};

async fn insert(database: &TestDatabase, db: &TenantDb, authority: &Authority) {
    authority.insert(db).await;
    // The histories carry no timelines: each referral's events as its decisions say, so that
    // timelines differ in length and content.
    for (kind, at, outcome, condition) in [
        ("SUBMITTED", "referred_at", "NULL", "true"),
        (
            "REASONABLE_GROUNDS_DECISION",
            "rg_decided_at",
            "rg_outcome",
            "rg_decided_at IS NOT NULL",
        ),
        (
            "CONCLUSIVE_GROUNDS_DECISION",
            "cg_decided_at",
            "cg_outcome",
            "cg_decided_at IS NOT NULL",
        ),
        (
            "WITHDRAWN",
            "withdrawn_at",
            "NULL",
            "withdrawn_at IS NOT NULL",
        ),
    ] {
        database
            .owner_execute(&format!(
                "INSERT INTO referral_events (local_authority, referral_id, kind, at, outcome, \
                 recorded_by, recorded_at) SELECT local_authority, id, '{kind}', {at}, {outcome}, \
                 'seed', now() FROM nrm_referrals WHERE local_authority = '{}' AND {condition}",
                authority.code.as_str()
            ))
            .await;
    }
}

/// Now and then one of `ids` (a page after it), else none (the first page).
fn after<T: Copy>(rng: &mut StdRng, ids: &[T]) -> Option<T> {
    if rng.random_bool(0.3) && !ids.is_empty() {
        Some(ids[rng.random_range(0..ids.len())])
    } else {
        None
    }
}

fn random_plan(
    rng: &mut StdRng,
    referral_ids: &[ReferralId],
    measurement_ids: &[MeasurementId],
) -> TreePlan {
    TreePlan {
        referrals: rng.random_bool(0.8).then(|| NestedPage {
            first: rng.random_range(1..=4),
            after: after(rng, referral_ids),
        }),
        timelines: rng.random_bool(0.7),
        assignments: rng.random_bool(0.7),
        first_referral_dates: rng.random_bool(0.5),
        measurements: rng.random_bool(0.8).then(|| {
            let filter = if rng.random_bool(0.5) {
                MeasurementFilter::All
            } else {
                MeasurementFilter::Current
            };
            let page = NestedPage {
                first: rng.random_range(1..=4),
                after: after(rng, measurement_ids),
            };
            (page, filter)
        }),
        superseded_by: rng.random_bool(0.5),
    }
}

/// The tree of each of `ids` as the per-relation reads give it.
async fn expected(db: &TenantDb, ids: &[ChildId], plan: TreePlan) -> Vec<ChildTree> {
    let mut children = db.children_by_ids(ids).await.expect("children");
    let mut referrals = match plan.referrals {
        Some(page) => Some(
            db.referrals_for_children(ids, page.first, page.after)
                .await
                .expect("referrals"),
        ),
        None => None,
    };
    let mut assignments = match plan.assignments {
        true => Some(db.assignments_for_children(ids).await.expect("assignments")),
        false => None,
    };
    let first_dates = match plan.first_referral_dates {
        true => Some(db.first_referral_dates(ids).await.expect("dates")),
        false => None,
    };
    let mut measurements = match plan.measurements {
        Some((page, filter)) => Some(
            db.measurements_for_children(ids, page.first, page.after, filter)
                .await
                .expect("measurements"),
        ),
        None => None,
    };
    let mut sorted: Vec<ChildId> = ids
        .iter()
        .copied()
        .filter(|id| children.contains_key(id))
        .collect();
    sorted.sort();
    sorted.dedup();
    let mut trees = Vec::new();
    for id in sorted {
        let referrals = referrals
            .as_mut()
            .map(|pages| pages.remove(&id).expect("a page"));
        let timelines = match (&referrals, plan.timelines) {
            (Some(page), true) => {
                let referral_ids: Vec<ReferralId> = page.items.iter().map(|r| r.id).collect();
                let mut found = db
                    .referral_timelines(&referral_ids)
                    .await
                    .expect("timelines");
                Some(
                    referral_ids
                        .iter()
                        .map(|id| (*id, found.remove(id).unwrap_or_default()))
                        .collect::<HashMap<_, _>>(),
                )
            }
            _ => None,
        };
        let measurements = measurements
            .as_mut()
            .map(|pages| pages.remove(&id).expect("a page"));
        let superseded_by = match (&measurements, plan.superseded_by) {
            (Some(page), true) => {
                let measurement_ids: Vec<MeasurementId> = page.items.iter().map(|m| m.id).collect();
                let by = db
                    .superseding_measurements(&measurement_ids)
                    .await
                    .expect("superseding");
                Some(
                    measurement_ids
                        .iter()
                        .map(|id| (*id, by.get(id).copied()))
                        .collect::<HashMap<_, _>>(),
                )
            }
            _ => None,
        };
        trees.push(ChildTree {
            child: children.remove(&id).expect("the child"),
            referrals,
            timelines,
            assignments: assignments
                .as_mut()
                .map(|lists| lists.remove(&id).unwrap_or_default()),
            first_referral_date: first_dates.as_ref().map(|dates| dates.get(&id).copied()),
            measurements,
            superseded_by,
        });
    }
    trees
}

fn assert_same(actual: &[ChildTree], expected: &[ChildTree], plan: TreePlan) {
    assert_eq!(actual.len(), expected.len(), "children, plan {plan:?}");
    for (actual, expected) in actual.iter().zip(expected) {
        let context = format!("child {:?}, plan {plan:?}", expected.child.id);
        assert_eq!(actual.child, expected.child, "{context}");
        let pages = |tree: &ChildTree| {
            tree.referrals
                .as_ref()
                .map(|page| (page.items.clone(), page.has_next_page))
        };
        assert_eq!(pages(actual), pages(expected), "referrals of {context}");
        assert_eq!(
            actual.timelines, expected.timelines,
            "timelines of {context}"
        );
        assert_eq!(
            actual.assignments, expected.assignments,
            "assignments of {context}"
        );
        assert_eq!(
            actual.first_referral_date, expected.first_referral_date,
            "first referral date of {context}"
        );
        let measurements = |tree: &ChildTree| {
            tree.measurements
                .as_ref()
                .map(|page| (page.items.clone(), page.has_next_page))
        };
        assert_eq!(
            measurements(actual),
            measurements(expected),
            "measurements of {context}"
        );
        assert_eq!(
            actual.superseded_by, expected.superseded_by,
            "superseded by, {context}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trees_hold_what_the_per_relation_reads_hold() {
    let (database, pool) = setup().await;
    let islington = tenant(&pool, ISLINGTON);
    let camden = tenant(&pool, CAMDEN);
    let ours = histories(15, ISLINGTON, 60);
    let theirs = histories(16, CAMDEN, 20);
    insert(&database, &islington, &ours).await;
    insert(&database, &camden, &theirs).await;
    let referral_ids: Vec<ReferralId> = ours.referrals.iter().map(|r| r.id).collect();
    let measurement_ids: Vec<MeasurementId> = ours.measurements.iter().map(|m| m.id).collect();
    assert!(
        ours.measurements.iter().any(|m| m.supersedes.is_some()),
        "corrections exist"
    );
    assert!(
        ours.referrals
            .iter()
            .any(|r| r.conclusive_grounds.is_some()),
        "decisions exist"
    );

    let mut rng = StdRng::seed_from_u64(1515);
    let mut all_ids: Vec<ChildId> = ours.children.iter().map(|c| c.id).collect();
    all_ids.sort();
    for round in 0..40 {
        let plan = if round == 0 {
            // Everything, from the start.
            TreePlan {
                referrals: Some(NestedPage {
                    first: 5,
                    after: None,
                }),
                timelines: true,
                assignments: true,
                first_referral_dates: true,
                measurements: Some((
                    NestedPage {
                        first: 5,
                        after: None,
                    },
                    MeasurementFilter::All,
                )),
                superseded_by: true,
            }
        } else {
            random_plan(&mut rng, &referral_ids, &measurement_ids)
        };

        // Some children by id, one of another authority's among them: left out.
        let mut ids: Vec<ChildId> = (0..rng.random_range(1..8))
            .map(|_| all_ids[rng.random_range(0..all_ids.len())])
            .collect();
        ids.push(theirs.children[0].id);
        // The per-relation reads take each id once (their loaders deduplicate the keys).
        ids.sort();
        ids.dedup();
        let trees = islington.child_trees(&ids, plan).await.expect("trees");
        assert_same(&trees, &expected(&islington, &ids, plan).await, plan);

        // A page of children after a random one.
        let first = rng.random_range(1..25);
        let after = rng
            .random_bool(0.5)
            .then(|| all_ids[rng.random_range(0..all_ids.len())]);
        let page = islington
            .children_page_trees(first, after, plan)
            .await
            .expect("a page");
        let listed = islington
            .children_page(first, after)
            .await
            .expect("the plain page");
        assert_eq!(page.has_next_page, listed.has_next_page, "round {round}");
        let page_ids: Vec<ChildId> = listed.items.iter().map(|c| c.id).collect();
        assert_same(
            &page.items,
            &expected(&islington, &page_ids, plan).await,
            plan,
        );
    }

    // Another authority's token finds none of them, by id or by page.
    let none = camden
        .child_trees(&all_ids, TreePlan::default())
        .await
        .expect("trees");
    assert!(none.is_empty());
    let theirs_page = camden
        .children_page_trees(100, None, TreePlan::default())
        .await
        .expect("a page");
    assert_eq!(theirs_page.items.len(), theirs.children.len());
    assert!(theirs_page
        .items
        .iter()
        .all(|tree| tree.child.local_authority == theirs.code));
}
