//! Dates as the people doing the work count them: calendar days in UK time, and working days that
//! skip weekends and the bank holidays of the authority's nation.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use chrono_tz::Europe::London;

use crate::local_authority::Nation;

/// The UK calendar date of an instant: a decision made at 00:30 BST is dated that day, not the
/// previous UTC day.
pub fn uk_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&London).date_naive()
}

/// Whole calendar days from `from` to `to` (negative if `to` is earlier).
pub fn calendar_days(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// Bank holidays cannot be counted on a day the data does not cover: a working-day count there
/// would silently count weekends only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("the bank holiday data does not cover {0}")]
    NotCovered(NaiveDate),
    #[error("bank holiday data line {line}: {reason}")]
    Malformed { line: usize, reason: &'static str },
}

/// A nation's non-working days besides weekends, over the range of days the data covers. Data,
/// not code: the list changes every year and special days (a coronation, a state funeral) are
/// announced at short notice (`scripts/bank-holidays.py`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankHolidays {
    days: BTreeSet<NaiveDate>,
    first: NaiveDate,
    last: NaiveDate,
}

impl BankHolidays {
    /// `days`, covering `first` to `last` inclusive.
    pub fn new(
        days: impl IntoIterator<Item = NaiveDate>,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Self {
        Self {
            days: days.into_iter().collect(),
            first,
            last,
        }
    }

    /// Reads one ISO date per line after a `# covers FIRST LAST` line; `#` starts a comment. A
    /// date outside the declared range, or data without one, is refused.
    pub fn parse(text: &str) -> Result<Self, CalendarError> {
        let mut days = BTreeSet::new();
        let mut range = None;
        for (index, line) in text.lines().enumerate() {
            let line_number = index + 1;
            let malformed = |reason| CalendarError::Malformed {
                line: line_number,
                reason,
            };
            let date = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d");
            if let Some(covers) = line.trim().strip_prefix("# covers ") {
                let mut parts = covers.split_whitespace();
                let (Some(Ok(first)), Some(Ok(last)), None) =
                    (parts.next().map(date), parts.next().map(date), parts.next())
                else {
                    return Err(malformed("`# covers` needs two ISO dates"));
                };
                if first > last || range.is_some() {
                    return Err(malformed(
                        "one `# covers FIRST LAST` line, FIRST before LAST",
                    ));
                }
                range = Some((first, last));
                continue;
            }
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let day = date(line).map_err(|_| malformed("not an ISO date"))?;
            match range {
                Some((first, last)) if (first..=last).contains(&day) => {
                    days.insert(day);
                }
                Some(_) => return Err(malformed("a date outside the declared range")),
                None => return Err(malformed("dates before the `# covers` line")),
            }
        }
        let (first, last) = range.ok_or(CalendarError::Malformed {
            line: 0,
            reason: "no `# covers FIRST LAST` line",
        })?;
        Ok(Self { days, first, last })
    }

    /// The bank holidays of `nation`, shipped with the code and parsed once.
    pub fn of(nation: Nation) -> Result<&'static BankHolidays, CalendarError> {
        static ENGLAND_AND_WALES: LazyLock<Result<BankHolidays, CalendarError>> =
            LazyLock::new(|| {
                BankHolidays::parse(include_str!("../data/bank-holidays-england-and-wales.txt"))
            });
        static SCOTLAND: LazyLock<Result<BankHolidays, CalendarError>> = LazyLock::new(|| {
            BankHolidays::parse(include_str!("../data/bank-holidays-scotland.txt"))
        });
        static NORTHERN_IRELAND: LazyLock<Result<BankHolidays, CalendarError>> =
            LazyLock::new(|| {
                BankHolidays::parse(include_str!("../data/bank-holidays-northern-ireland.txt"))
            });
        let parsed = match nation {
            Nation::EnglandAndWales => &*ENGLAND_AND_WALES,
            Nation::Scotland => &*SCOTLAND,
            Nation::NorthernIreland => &*NORTHERN_IRELAND,
        };
        parsed.as_ref().map_err(Clone::clone)
    }

    /// The first and last day the data covers.
    pub fn coverage(&self) -> (NaiveDate, NaiveDate) {
        (self.first, self.last)
    }

    pub fn covers(&self, date: NaiveDate) -> bool {
        (self.first..=self.last).contains(&date)
    }

    /// Every bank holiday listed.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.days.iter().copied()
    }

    fn covered(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        if self.covers(date) {
            Ok(date)
        } else {
            Err(CalendarError::NotCovered(date))
        }
    }

    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        let date = self.covered(date)?;
        Ok(!matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.days.contains(&date))
    }

    /// Working days after `from` up to and including `to`: a decision the next working day after
    /// referral took one working day. Zero when `to` is not after `from`.
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<i64, CalendarError> {
        let mut count = 0;
        let mut day = from;
        while day < to {
            day = day
                .checked_add_days(Days::new(1))
                .ok_or(CalendarError::NotCovered(day))?;
            if self.is_working_day(day)? {
                count += 1;
            }
        }
        Ok(count)
    }

    /// The date that is `n` working days after `from`.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut day = from;
        let mut left = n;
        while left > 0 {
            day = day
                .checked_add_days(Days::new(1))
                .ok_or(CalendarError::NotCovered(day))?;
            if self.is_working_day(day)? {
                left -= 1;
            }
        }
        Ok(day)
    }
}

/// The nations whose shipped data does not cover `today` through the end of next year: the
/// readiness check warns, and a test fails, so the data is extended a year before it runs out.
pub fn nations_needing_data(today: NaiveDate) -> Vec<Nation> {
    let end_of_next_year =
        NaiveDate::from_ymd_opt(today.year() + 1, 12, 31).unwrap_or(NaiveDate::MAX);
    Nation::ALL
        .iter()
        .copied()
        .filter(|nation| {
            BankHolidays::of(*nation).map_or(true, |data| {
                !(data.covers(today) && data.covers(end_of_next_year))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    fn england_and_wales() -> &'static BankHolidays {
        BankHolidays::of(Nation::EnglandAndWales).expect("shipped data parses")
    }

    fn working(nation: Nation, date: NaiveDate) -> bool {
        BankHolidays::of(nation)
            .and_then(|data| data.is_working_day(date))
            .expect("covered")
    }

    #[test]
    fn every_shipped_list_parses_and_covers_today_and_next_year() {
        for nation in Nation::ALL {
            let data = BankHolidays::of(*nation).expect("shipped data parses");
            assert!(data.days().count() > 100, "{nation}");
        }
        // Fails a year before the data runs out: extend it with scripts/bank-holidays.py.
        let today = uk_date(Utc::now());
        assert_eq!(nations_needing_data(today), Vec::<Nation>::new());
        assert_eq!(
            nations_needing_data(d(2028, 1, 1)),
            Nation::ALL.to_vec(),
            "the data ends in 2028"
        );
    }

    #[test]
    fn each_nation_has_its_own_days() {
        use Nation::{EnglandAndWales as Ew, NorthernIreland as Ni, Scotland as Sc};
        // (date, England and Wales, Scotland, Northern Ireland): working day?
        let cases = [
            (d(2025, 12, 25), false, false, false),
            (d(2022, 9, 19), false, false, false), // state funeral
            (d(2026, 12, 28), false, false, false), // substitute Boxing Day
            (d(2026, 12, 29), true, true, true),
            (d(2025, 1, 2), true, false, true), // 2 January, Scotland
            (d(2025, 4, 21), false, true, false), // Easter Monday, not Scotland
            (d(2025, 3, 17), true, true, false), // St Patrick's Day
            (d(2025, 7, 14), true, true, false), // Boyne, Saturday 12th → Monday
            (d(2026, 7, 13), true, true, false), // Boyne, Sunday 12th → Monday
            (d(2025, 8, 4), true, false, true), // first Monday of August, Scotland
            (d(2025, 8, 25), false, true, false), // last Monday of August
            (d(2025, 12, 1), true, false, true), // St Andrew's Day, Sunday 30th → Monday
            (d(2026, 11, 30), true, false, true), // St Andrew's Day on a Monday
        ];
        for (date, ew, sc, ni) in cases {
            assert_eq!(
                (working(Ew, date), working(Sc, date), working(Ni, date)),
                (ew, sc, ni),
                "{date}"
            );
        }
    }

    #[test]
    fn working_days_table() {
        let holidays = england_and_wales();
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
                Ok(expected),
                "{from} → {to}"
            );
        }
    }

    #[test]
    fn adding_working_days_inverts_counting() {
        for nation in Nation::ALL {
            let holidays = BankHolidays::of(*nation).expect("parses");
            let start = d(2025, 4, 14);
            for n in 0..30 {
                let end = holidays.add_working_days(start, n).expect("covered");
                assert_eq!(holidays.working_days_between(start, end), Ok(i64::from(n)));
            }
        }
    }

    #[test]
    fn counting_outside_the_data_is_an_error_not_weekends_only() {
        let holidays =
            BankHolidays::parse("# covers 2025-01-01 2025-12-31\n2025-12-25\n").expect("parses");
        assert_eq!(
            holidays.add_working_days(d(2025, 12, 29), 5),
            Err(CalendarError::NotCovered(d(2026, 1, 1)))
        );
        assert_eq!(
            holidays.working_days_between(d(2024, 12, 30), d(2025, 1, 3)),
            Err(CalendarError::NotCovered(d(2024, 12, 31)))
        );
        assert_eq!(holidays.is_working_day(d(2025, 12, 31)), Ok(true));
        assert_eq!(holidays.is_working_day(d(2025, 12, 25)), Ok(false));
        assert_eq!(
            holidays.add_working_days(d(2025, 12, 31), 0),
            Ok(d(2025, 12, 31))
        );
        assert!(holidays.covers(d(2025, 1, 1)) && holidays.covers(d(2025, 12, 31)));
        assert!(!holidays.covers(d(2024, 12, 31)) && !holidays.covers(d(2026, 1, 1)));
    }

    #[test]
    fn uk_date_follows_british_summer_time() {
        let late_evening_utc = Utc.with_ymd_and_hms(2025, 6, 30, 23, 30, 0).single();
        assert_eq!(late_evening_utc.map(uk_date), Some(d(2025, 7, 1)));
        let winter = Utc.with_ymd_and_hms(2025, 1, 31, 23, 30, 0).single();
        assert_eq!(winter.map(uk_date), Some(d(2025, 1, 31)));
    }

    #[test]
    fn parse_refuses_what_it_cannot_trust() {
        let refused = [
            "2025-12-25\n",                                                     // no range
            "# covers 2025-01-01\n2025-12-25\n",                                // half a range
            "# covers 2025-12-31 2025-01-01\n",                                 // backwards
            "# covers 2025-01-01 2025-12-31\n2025-13-01\n",                     // not a date
            "# covers 2025-01-01 2025-12-31\n2026-01-01\n",                     // outside the range
            "2025-12-25\n# covers 2025-01-01 2025-12-31\n", // dates before the range
            "# covers 2025-01-01 2025-12-31\n# covers 2025-01-01 2025-12-31\n", // two ranges
        ];
        for text in refused {
            assert!(BankHolidays::parse(text).is_err(), "{text:?}");
        }
        assert_eq!(
            BankHolidays::parse("# covers 2025-01-01 2025-12-31\n# a comment\n\n")
                .map(|h| h.days.len()),
            Ok(0)
        );
        // Errors name the line (counted from 1) so the file can be mended.
        assert_eq!(
            BankHolidays::parse("# covers 2025-01-01 2025-12-31\n\n\n2025-02-30\n"),
            Err(CalendarError::Malformed {
                line: 4,
                reason: "not an ISO date"
            })
        );
        // A range of one day is a range.
        let one_day =
            BankHolidays::parse("# covers 2025-12-25 2025-12-25\n2025-12-25\n").expect("one day");
        assert_eq!(one_day.coverage(), (d(2025, 12, 25), d(2025, 12, 25)));
    }
}
