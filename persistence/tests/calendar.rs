//! The database's calendar agrees with the domain's: the bank holidays a migration loaded are
//! exactly the shipped data files, and the SQL due date of a reasonable-grounds decision (which
//! worklists and the migration's backfill use) equals the domain's for every nation, weekends,
//! Easter, Christmas, British Summer Time and devolved panels.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use stable_futures_domain::calendar::BankHolidays;
use stable_futures_domain::local_authority::Nation;
use stable_futures_domain::referral::{reasonable_grounds_due_on, CompetentAuthority};
use stable_futures_persistence::testing::TestDatabase;

/// An authority of each nation (only the code's first letter matters to the calendar).
const AUTHORITIES: &[(&str, Nation)] = &[
    ("E09000019", Nation::EnglandAndWales),
    ("W06000015", Nation::EnglandAndWales),
    ("S12000036", Nation::Scotland),
    ("N09000003", Nation::NorthernIreland),
];

#[tokio::test]
async fn the_bank_holidays_table_holds_exactly_the_shipped_data() {
    let database = TestDatabase::create().await;
    for nation in Nation::ALL {
        let shipped = BankHolidays::of(*nation).expect("shipped data parses");
        let stored = database
            .owner_query(&format!(
                "SELECT day::text FROM bank_holidays WHERE nation = '{}' ORDER BY day",
                nation.as_str()
            ))
            .await;
        let expected: Vec<String> = shipped.days().map(|day| day.to_string()).collect();
        assert_eq!(stored, expected, "{nation}");
        let (first, last) = shipped.coverage();
        assert_eq!(
            database
                .owner_query(&format!(
                    "SELECT first_day::text || ' ' || last_day::text FROM bank_holiday_coverage \
                     WHERE nation = '{}'",
                    nation.as_str()
                ))
                .await,
            [format!("{first} {last}")],
            "{nation}"
        );
    }
}

#[tokio::test]
async fn the_sql_due_date_equals_the_domains() {
    let database = TestDatabase::create().await;
    // Every day of 2022 (a jubilee, a state funeral) and of late 2025 into 2026, at 23:30 UTC
    // (the next UK day in summer) and at 10:00, for each nation and each competent authority.
    let mut instants: Vec<DateTime<Utc>> = Vec::new();
    for (start, days) in [((2022, 1, 1), 365), ((2025, 3, 1), 320)] {
        let first = NaiveDate::from_ymd_opt(start.0, start.1, start.2).expect("date");
        for offset in 0..days {
            let day = first + Days::new(offset);
            for (hour, minute) in [(10, 0), (23, 30)] {
                instants
                    .push(Utc.from_utc_datetime(&day.and_hms_opt(hour, minute, 0).expect("time")));
            }
        }
    }
    let mut checked = 0;
    for (code, nation) in AUTHORITIES {
        let holidays = BankHolidays::of(*nation).expect("shipped data parses");
        for authority in [CompetentAuthority::Sca, CompetentAuthority::DdmPanel] {
            let values: Vec<String> = instants
                .iter()
                .map(|at| format!("('{}'::timestamptz)", at.to_rfc3339()))
                .collect();
            let stored = database
                .owner_query(&format!(
                    "SELECT reasonable_grounds_due_on('{code}', at, '{}')::text \
                     FROM (VALUES {}) AS v(at) ORDER BY at",
                    authority.as_str(),
                    values.join(", ")
                ))
                .await;
            let expected: Vec<String> = instants
                .iter()
                .map(|at| {
                    reasonable_grounds_due_on(*at, authority, holidays)
                        .expect("covered")
                        .to_string()
                })
                .collect();
            for ((at, sql), domain) in instants.iter().zip(&stored).zip(&expected) {
                assert_eq!(sql, domain, "{code} {authority} referred {at}");
                checked += 1;
            }
            assert_eq!(stored.len(), expected.len());
        }
    }
    assert_eq!(checked, 4 * 2 * 685 * 2);
}

#[tokio::test]
#[should_panic(expected = "does not cover")]
async fn the_sql_due_date_refuses_days_the_data_does_not_cover() {
    let database = TestDatabase::create().await;
    let answer = database
        .owner_query(
            "SELECT CASE WHEN reasonable_grounds_due_on('E09000019', '2028-12-28T10:00:00Z', 'SCA') \
             IS NULL THEN 'null' ELSE 'a date' END",
        )
        .await;
    // Reached only if the function answered instead of raising.
    assert!(answer.is_empty(), "expected an error, got {answer:?}");
    panic!("expected an error, got an empty answer");
}
