use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Datelike as _, NaiveDate, Utc};
use rand::{Rng, RngCore};
use uuid::Uuid;

use super::{Cursor, CursorError, CursorKey, Page};

const CASES: usize = 2_000;

fn round_trips<K: CursorKey + PartialEq + std::fmt::Debug>(key: K) {
    let cursor = Cursor::encode(&key);
    assert!(
        cursor
            .as_str()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "not url-safe: {cursor}"
    );
    assert_eq!(Cursor::decode::<K>(cursor.as_str()), Ok(key));
}

fn any_i64(rng: &mut impl Rng) -> i64 {
    match rng.random_range(0..4) {
        0 => [i64::MIN, -1, 0, 1, i64::MAX][rng.random_range(0..5)],
        1 => rng.random_range(-1000..1000),
        _ => rng.random(),
    }
}

fn any_uuid(rng: &mut impl Rng) -> Uuid {
    match rng.random_range(0..8) {
        0 => Uuid::nil(),
        1 => Uuid::max(),
        _ => Uuid::from_bytes(rng.random()),
    }
}

fn any_date(rng: &mut impl Rng) -> NaiveDate {
    match rng.random_range(0..8) {
        0 => NaiveDate::MIN,
        1 => NaiveDate::MAX,
        _ => {
            let min = NaiveDate::MIN.num_days_from_ce();
            let max = NaiveDate::MAX.num_days_from_ce();
            NaiveDate::from_num_days_from_ce_opt(rng.random_range(min..=max)).expect("in range")
        }
    }
}

/// Microsecond precision, as PostgreSQL stores it.
fn any_timestamp(rng: &mut impl Rng) -> DateTime<Utc> {
    let min = DateTime::<Utc>::MIN_UTC.timestamp_micros();
    let max = DateTime::<Utc>::MAX_UTC.timestamp_micros();
    let micros = match rng.random_range(0..8) {
        0 => min,
        1 => max,
        2 => 0,
        // Around now, where real cursors are.
        3 => Utc::now().timestamp_micros() + rng.random_range(-10_i64.pow(12)..10_i64.pow(12)),
        _ => rng.random_range(min..=max),
    };
    DateTime::from_timestamp_micros(micros).expect("in range")
}

#[test]
fn every_key_shape_round_trips() {
    let mut rng = rand::rng();
    for _ in 0..CASES {
        round_trips(any_i64(&mut rng));
        round_trips(any_uuid(&mut rng));
        round_trips(any_date(&mut rng));
        round_trips(any_timestamp(&mut rng));
        round_trips((any_date(&mut rng), any_uuid(&mut rng)));
        round_trips((any_timestamp(&mut rng), any_uuid(&mut rng)));
        round_trips((any_i64(&mut rng), any_i64(&mut rng)));
        round_trips((
            any_date(&mut rng),
            any_timestamp(&mut rng),
            any_uuid(&mut rng),
        ));
        round_trips((
            any_date(&mut rng),
            any_text(&mut rng),
            any_uuid(&mut rng),
            any_uuid(&mut rng),
        ));
    }
}

fn any_text(rng: &mut impl Rng) -> String {
    let length = rng.random_range(0..40);
    (0..length)
        .map(|_| char::from_u32(rng.random_range(32..0x3000)).unwrap_or('é'))
        .collect()
}

#[test]
fn every_truncation_of_a_worklist_cursor_is_refused_and_bad_text_too() {
    let key = (
        NaiveDate::from_ymd_opt(2026, 12, 5).expect("date"),
        "REASONABLE_GROUNDS_OVERDUE".to_owned(),
        Uuid::from_u128(7),
        Uuid::nil(),
    );
    type Key = (NaiveDate, String, Uuid, Uuid);
    let bytes = URL_SAFE_NO_PAD
        .decode(Cursor::encode(&key).as_str())
        .expect("base64");
    for cut in 1..bytes.len() {
        let text = URL_SAFE_NO_PAD.encode(&bytes[..cut]);
        assert_eq!(
            Cursor::decode::<Key>(&text),
            Err(CursorError::Truncated),
            "cut at {cut}"
        );
    }
    // The text component (after the version and the date: 1 + 5 bytes) holding invalid UTF-8.
    let mut invalid = bytes.clone();
    invalid[9] = 0xff;
    assert_eq!(
        Cursor::decode::<Key>(&URL_SAFE_NO_PAD.encode(&invalid)),
        Err(CursorError::OutOfRange)
    );
    // A three-part cursor of another list is not a worklist cursor, and the other way round.
    let other = Cursor::encode(&(key.0, Uuid::from_u128(7), Uuid::nil()));
    assert_eq!(
        Cursor::decode::<Key>(other.as_str()),
        Err(CursorError::WrongShape)
    );
    assert_eq!(
        Cursor::decode::<(NaiveDate, Uuid, Uuid)>(Cursor::encode(&key).as_str()),
        Err(CursorError::WrongShape)
    );
}

#[test]
fn text_that_is_not_base64url_is_refused() {
    for garbage in ["!!!!", "a b", "abc=", "+/+/", "é", "AQ==", "A"] {
        assert_eq!(
            Cursor::decode::<Uuid>(garbage),
            Err(CursorError::NotBase64),
            "{garbage:?}"
        );
    }
    assert_eq!(Cursor::decode::<i64>(""), Err(CursorError::Empty));
}

#[test]
fn random_bytes_are_refused_or_read_but_never_panic() {
    let mut rng = rand::rng();
    for _ in 0..CASES {
        let mut bytes = vec![0_u8; rng.random_range(0..48)];
        rng.fill_bytes(&mut bytes);
        let text = URL_SAFE_NO_PAD.encode(&bytes);
        let _ = Cursor::decode::<(NaiveDate, Uuid)>(&text);
        let _ = Cursor::decode::<(DateTime<Utc>, Uuid)>(&text);
        let _ = Cursor::decode::<i64>(&text);
        let _ = Cursor::decode_accepting_unversioned::<Uuid>(&text);
    }
}

#[test]
fn a_cursor_of_an_unknown_version_is_refused() {
    let mut bytes = URL_SAFE_NO_PAD
        .decode(Cursor::encode(&Uuid::new_v4()).as_str())
        .expect("base64");
    for version in [0_u8, 2, 7, 255] {
        bytes[0] = version;
        assert_eq!(
            Cursor::decode::<Uuid>(&URL_SAFE_NO_PAD.encode(&bytes)),
            Err(CursorError::UnknownVersion(version))
        );
    }
}

#[test]
fn every_truncation_of_a_cursor_is_refused() {
    let mut rng = rand::rng();
    for _ in 0..50 {
        let key = (
            any_date(&mut rng),
            any_timestamp(&mut rng),
            any_uuid(&mut rng),
        );
        let bytes = URL_SAFE_NO_PAD
            .decode(Cursor::encode(&key).as_str())
            .expect("base64");
        for cut in 0..bytes.len() {
            let text = URL_SAFE_NO_PAD.encode(&bytes[..cut]);
            let refused = Cursor::decode::<(NaiveDate, DateTime<Utc>, Uuid)>(&text);
            let expected = if cut == 0 {
                CursorError::Empty
            } else {
                CursorError::Truncated
            };
            assert_eq!(refused, Err(expected), "cut at {cut}");
        }
    }
}

#[test]
fn a_cursor_of_another_key_shape_is_refused() {
    let id = Uuid::new_v4();
    let date = NaiveDate::from_ymd_opt(2026, 12, 4).expect("date");
    let now = DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).expect("now");
    let by_id = Cursor::encode(&id);
    let by_date_and_id = Cursor::encode(&(date, id));
    let by_time_and_id = Cursor::encode(&(now, id));
    let by_sequence = Cursor::encode(&42_i64);

    assert_eq!(
        Cursor::decode::<i64>(by_id.as_str()),
        Err(CursorError::WrongShape)
    );
    assert_eq!(
        Cursor::decode::<Uuid>(by_sequence.as_str()),
        Err(CursorError::WrongShape)
    );
    // Same length, other component types: the tags tell them apart.
    assert_eq!(
        Cursor::decode::<(DateTime<Utc>, Uuid)>(by_date_and_id.as_str()),
        Err(CursorError::WrongShape)
    );
    assert_eq!(
        Cursor::decode::<(NaiveDate, Uuid)>(by_time_and_id.as_str()),
        Err(CursorError::WrongShape)
    );
    // A prefix of the expected shape, or the expected shape followed by more.
    assert_eq!(
        Cursor::decode::<Uuid>(by_date_and_id.as_str()),
        Err(CursorError::WrongShape)
    );
    assert_eq!(
        Cursor::decode::<NaiveDate>(by_date_and_id.as_str()),
        Err(CursorError::WrongShape)
    );
    assert!(Cursor::decode::<(NaiveDate, Uuid, i64)>(by_date_and_id.as_str()).is_err());
    assert!(Cursor::decode::<(Uuid, Uuid)>(by_id.as_str()).is_err());
}

#[test]
fn out_of_range_values_are_refused() {
    let mut bytes = vec![1_u8, 3];
    bytes.extend_from_slice(&i32::MAX.to_be_bytes());
    assert_eq!(
        Cursor::decode::<NaiveDate>(&URL_SAFE_NO_PAD.encode(&bytes)),
        Err(CursorError::OutOfRange)
    );
    let mut bytes = vec![1_u8, 4];
    bytes.extend_from_slice(&i64::MAX.to_be_bytes());
    assert_eq!(
        Cursor::decode::<DateTime<Utc>>(&URL_SAFE_NO_PAD.encode(&bytes)),
        Err(CursorError::OutOfRange)
    );
}

/// The cursors the API has issued since the start (`ids::cursor`, `ids::sequence_cursor`):
/// clients hold them, so a list that moves to this module must still read them.
#[test]
fn unversioned_cursors_are_read_only_where_asked_for() {
    let mut rng = rand::rng();
    for _ in 0..CASES {
        let id = any_uuid(&mut rng);
        let legacy = URL_SAFE_NO_PAD.encode(id.as_bytes());
        assert_eq!(
            Cursor::decode_accepting_unversioned::<Uuid>(&legacy),
            Ok(id)
        );
        assert!(Cursor::decode::<Uuid>(&legacy).is_err());

        let sequence = any_i64(&mut rng);
        let legacy = URL_SAFE_NO_PAD.encode(sequence.to_be_bytes());
        assert_eq!(
            Cursor::decode_accepting_unversioned::<i64>(&legacy),
            Ok(sequence)
        );
        assert!(Cursor::decode::<i64>(&legacy).is_err());

        // The current format is read alike by both.
        let current = Cursor::encode(&id);
        assert_eq!(
            Cursor::decode_accepting_unversioned::<Uuid>(current.as_str()),
            Ok(id)
        );
    }
    // No unversioned format for composite keys.
    let legacy = URL_SAFE_NO_PAD.encode([7_u8; 20]);
    assert_eq!(
        Cursor::decode_accepting_unversioned::<(NaiveDate, Uuid)>(&legacy),
        Err(CursorError::UnknownVersion(7))
    );
}

#[test]
fn a_page_from_lookahead_rows_says_whether_more_follow() {
    let page = Page::from_lookahead(vec![1, 2, 3], 2);
    assert_eq!(page.items, [1, 2]);
    assert!(page.has_next_page);
    let page = Page::from_lookahead(vec![1, 2], 2);
    assert_eq!(page.items, [1, 2]);
    assert!(!page.has_next_page);
    assert_eq!(super::lookahead_limit(2), 3);
    let converted = Page::from_lookahead(vec!["1", "2", "x"], 2).try_map(str::parse::<i32>);
    assert_eq!(converted.expect("both parse").items, [1, 2]);
    assert!(Page::from_lookahead(vec!["1", "x"], 2)
        .try_map(str::parse::<i32>)
        .is_err());
    assert_eq!(super::lookahead_limit(usize::MAX), i64::MAX);
}
