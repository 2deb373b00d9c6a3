//! Dates as the people doing the work count them: calendar days in UK time, and working days that
//! skip weekends and bank holidays.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use chrono_tz::Europe::London;

/// The UK calendar date of an instant: a decision made at 00:30 BST is dated that day, not the
/// previous UTC day.
pub fn uk_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&London).date_naive()
}

/// Whole calendar days from `from` to `to` (negative if `to` is earlier).
pub fn calendar_days(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// A set of non-working days besides weekends. Data, not code: the list changes every year and
/// special days (a coronation, a state funeral) are announced at short notice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BankHolidays {
    days: BTreeSet<NaiveDate>,
}

impl BankHolidays {
    pub fn new(days: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self {
            days: days.into_iter().collect(),
        }
    }

    /// Reads one ISO date per line; `#` starts a comment.
    pub fn parse(text: &str) -> Result<Self, chrono::ParseError> {
        let mut days = BTreeSet::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if !line.is_empty() {
                days.insert(NaiveDate::parse_from_str(line, "%Y-%m-%d")?);
            }
        }
        Ok(Self { days })
    }

    /// England and Wales bank holidays shipped with the code (2019–2027).
    pub fn england_and_wales() -> Self {
        Self::parse(include_str!("../data/bank-holidays-england-and-wales.txt")).unwrap_or_default()
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.days.contains(&date)
    }

    /// Working days after `from` up to and including `to`: a decision the next working day after
    /// referral took one working day. Zero when `to` is not after `from`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let mut count = 0;
        let mut day = from;
        while day < to {
            day = match day.checked_add_days(Days::new(1)) {
                Some(next) => next,
                None => break,
            };
            if self.is_working_day(day) {
                count += 1;
            }
        }
        count
    }

    /// The date that is `n` working days after `from`.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut day = from;
        let mut left = n;
        while left > 0 {
            day = match day.checked_add_days(Days::new(1)) {
                Some(next) => next,
                None => return day,
            };
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn shipped_list_parses_and_covers_known_days() {
        let holidays = BankHolidays::england_and_wales();
        assert!(!holidays.is_working_day(d(2025, 12, 25)));
        assert!(!holidays.is_working_day(d(2022, 9, 19)), "state funeral");
        assert!(
            !holidays.is_working_day(d(2026, 12, 28)),
            "substitute Boxing Day"
        );
        assert!(holidays.is_working_day(d(2026, 12, 29)));
    }

    #[test]
    fn working_days_table() {
        let holidays = BankHolidays::england_and_wales();
        // (from, to, expected working days)
        let cases = [
            (d(2025, 3, 3), d(2025, 3, 3), 0),  // same day
            (d(2025, 3, 3), d(2025, 3, 4), 1),  // Mon → Tue
            (d(2025, 3, 7), d(2025, 3, 10), 1), // Fri → Mon skips the weekend
            (d(2025, 3, 3), d(2025, 3, 10), 5), // a full week
            (d(2025, 3, 3), d(2025, 3, 11), 6),
            (d(2025, 4, 17), d(2025, 4, 22), 1), // Easter: Good Friday and Easter Monday
            (d(2025, 12, 24), d(2026, 1, 2), 4), // Christmas and New Year
            (d(2025, 3, 10), d(2025, 3, 3), 0),  // backwards
        ];
        for (from, to, expected) in cases {
            assert_eq!(
                holidays.working_days_between(from, to),
                expected,
                "{from} → {to}"
            );
        }
    }

    #[test]
    fn adding_working_days_inverts_counting() {
        let holidays = BankHolidays::england_and_wales();
        let start = d(2025, 4, 14);
        for n in 0..30 {
            let end = holidays.add_working_days(start, n);
            assert_eq!(holidays.working_days_between(start, end), i64::from(n));
        }
    }

    #[test]
    fn uk_date_follows_british_summer_time() {
        let late_evening_utc = Utc.with_ymd_and_hms(2025, 6, 30, 23, 30, 0).single();
        assert_eq!(late_evening_utc.map(uk_date), Some(d(2025, 7, 1)));
        let winter = Utc.with_ymd_and_hms(2025, 1, 31, 23, 30, 0).single();
        assert_eq!(winter.map(uk_date), Some(d(2025, 1, 31)));
    }

    #[test]
    fn parse_rejects_garbage() {
        assert!(BankHolidays::parse("2025-13-01").is_err());
        assert_eq!(
            BankHolidays::parse("# only a comment\n\n").map(|h| h.days.len()),
            Ok(0)
        );
    }
}
