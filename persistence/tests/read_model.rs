//! The read model against a real PostgreSQL: what each query lists, in what order, page by page
//! through its cursors, and never another authority's rows.

use chrono::{DateTime, Duration, Utc};
use stable_futures_domain::ids::{ChildId, ReferralId};
use stable_futures_domain::referral::{
    CompetentAuthority, DecisionOutcome, ExploitationLocation, ExploitationType,
    FirstResponderType, ReferralDraft,
};
use stable_futures_persistence::paging::Cursor;
use stable_futures_persistence::read_model::{
    open_referrals_without_reasonable_grounds, AwaitingReasonableGrounds,
    AwaitingReasonableGroundsKey,
};
use stable_futures_persistence::TenantDb;

mod common;

use common::{audit, register, setup, tenant, CAMDEN, ISLINGTON};

fn referral(referred_at: DateTime<Utc>) -> ReferralDraft {
    ReferralDraft {
        referred_at,
        first_responder_type: FirstResponderType::LocalAuthority,
        first_responder_name: "Children's services".to_owned(),
        exploitation_types: vec![ExploitationType::Criminal],
        county_lines: true,
        exploitation_location: ExploitationLocation::Uk,
        competent_authority: CompetentAuthority::Sca,
    }
}

async fn submit(db: &TenantDb, child: ChildId, referred_at: DateTime<Utc>) -> ReferralId {
    db.submit_referral(child, referral(referred_at), Utc::now(), &audit(), None)
        .await
        .expect("submitted")
        .id
}

/// Every row, read `first` at a time, each page's `after` decoded from the cursor text of the
/// last row of the one before (as a client would send it back).
async fn all_pages(db: &TenantDb, first: usize) -> Vec<AwaitingReasonableGrounds> {
    let mut rows = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let key = after.as_deref().map(|text| {
            Cursor::decode::<AwaitingReasonableGroundsKey>(text).expect("our own cursor")
        });
        let page = open_referrals_without_reasonable_grounds(db, first, key)
            .await
            .expect("a page");
        assert!(page.items.len() <= first);
        after = page.items.last().map(|row| row.cursor().into_string());
        let more = page.has_next_page;
        rows.extend(page.items);
        if !more {
            return rows;
        }
    }
}

#[tokio::test]
async fn referrals_awaiting_reasonable_grounds_oldest_first_and_only_the_authoritys_own() {
    let (_database, pool) = setup().await;
    let islington = tenant(&pool, ISLINGTON);
    let camden = tenant(&pool, CAMDEN);
    // Whole microseconds, as PostgreSQL keeps them, so the times compare equal when read back.
    let now = DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).expect("now");

    let child = register(&islington, "RM1").await.id;
    let other_child = register(&islington, "RM2").await.id;
    let oldest = submit(&islington, child, now - Duration::days(10)).await;
    // Two referred at the same instant: the id decides their order.
    let tied = now - Duration::days(5);
    let mut ties = [
        (submit(&islington, child, tied).await, child),
        (submit(&islington, other_child, tied).await, other_child),
    ];
    ties.sort_by_key(|(id, _)| id.0);
    let newest = submit(&islington, other_child, now - Duration::days(1)).await;

    let decided = submit(&islington, child, now - Duration::days(8)).await;
    islington
        .transition_referral(decided, 1, Utc::now(), &audit(), move |referral| {
            referral.record_reasonable_grounds(
                DecisionOutcome::Positive,
                now - Duration::days(7),
                Utc::now(),
            )
        })
        .await
        .expect("decided");
    let withdrawn = submit(&islington, other_child, now - Duration::days(9)).await;
    islington
        .transition_referral(withdrawn, 1, Utc::now(), &audit(), move |referral| {
            referral.withdraw(now - Duration::days(2), Utc::now())
        })
        .await
        .expect("withdrawn");

    // Camden's is the oldest of all: it would come first if it leaked.
    let camden_child = register(&camden, "RM1").await.id;
    let camdens = submit(&camden, camden_child, now - Duration::days(30)).await;

    let expected = vec![
        AwaitingReasonableGrounds {
            referral_id: oldest,
            child_id: child,
            referred_at: now - Duration::days(10),
        },
        AwaitingReasonableGrounds {
            referral_id: ties[0].0,
            child_id: ties[0].1,
            referred_at: tied,
        },
        AwaitingReasonableGrounds {
            referral_id: ties[1].0,
            child_id: ties[1].1,
            referred_at: tied,
        },
        AwaitingReasonableGrounds {
            referral_id: newest,
            child_id: other_child,
            referred_at: now - Duration::days(1),
        },
    ];
    let whole = open_referrals_without_reasonable_grounds(&islington, 100, None)
        .await
        .expect("one page");
    assert!(!whole.has_next_page);
    assert_eq!(whole.items, expected);
    for first in [1, 2, 3] {
        assert_eq!(
            all_pages(&islington, first).await,
            expected,
            "{first} a page"
        );
    }

    let theirs = all_pages(&camden, 1).await;
    assert_eq!(
        theirs.iter().map(|row| row.referral_id).collect::<Vec<_>>(),
        [camdens]
    );
}

#[tokio::test]
async fn a_cursor_of_another_list_is_refused_before_any_query() {
    let sequence = Cursor::encode(&42_i64);
    assert!(Cursor::decode::<AwaitingReasonableGroundsKey>(sequence.as_str()).is_err());
}
