//! The working calendar: which days are worked, and the mapping between
//! dates and working-day numbers that the scheduler counts in.

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use std::collections::BTreeSet;

/// Working weekdays and holidays.
#[derive(Clone, Debug, PartialEq)]
pub struct Calendar {
    /// Monday first.
    pub working_weekdays: [bool; 7],
    pub holidays: BTreeSet<Date>,
}

impl Default for Calendar {
    /// Monday to Friday, no holidays.
    fn default() -> Self {
        Calendar { working_weekdays: [true, true, true, true, true, false, false], holidays: BTreeSet::new() }
    }
}

impl Calendar {
    pub fn is_working(&self, d: Date) -> bool {
        let wd = d.weekday().to_monday_zero_offset() as usize;
        self.working_weekdays[wd] && !self.holidays.contains(&d)
    }

    /// Whether any weekday is worked at all (a calendar without one would make
    /// every walk below endless).
    pub fn has_working_days(&self) -> bool {
        self.working_weekdays.iter().any(|&w| w)
    }

    /// The first working day on or after `d`.
    pub fn next_working(&self, mut d: Date) -> Date {
        if !self.has_working_days() {
            return d;
        }
        // Holidays are finite, so this ends within a year past the last one.
        for _ in 0..4000 {
            if self.is_working(d) {
                return d;
            }
            d = d.tomorrow().unwrap_or(d);
        }
        d
    }

    /// Working days from `start` up to (not including) `d`; negative before `start`.
    pub fn working_days_between(&self, start: Date, end: Date) -> i64 {
        if end < start {
            return -self.working_days_between(end, start);
        }
        let days = (end - start).get_days() as i64;
        let full_weeks = days / 7;
        let per_week = self.working_weekdays.iter().filter(|&&w| w).count() as i64;
        let mut count = full_weeks * per_week;
        let mut d = start.checked_add((full_weeks * 7).days()).unwrap_or(start);
        while d < end {
            let wd = d.weekday().to_monday_zero_offset() as usize;
            if self.working_weekdays[wd] {
                count += 1;
            }
            d = d.tomorrow().unwrap_or(end);
        }
        count
            - self
                .holidays
                .range(start..end)
                .filter(|h| self.working_weekdays[h.weekday().to_monday_zero_offset() as usize])
                .count() as i64
    }

    /// The date of working day number `n` counted from `start` (day 0 is the
    /// first working day on or after `start`).
    pub fn date_of(&self, start: Date, n: u32) -> Date {
        let mut d = self.next_working(start);
        if !self.has_working_days() {
            return d;
        }
        let per_week = self.working_weekdays.iter().filter(|&&w| w).count() as u32;
        // Jump whole weeks, then walk; holidays in the jumped span push us on.
        let mut left = n;
        while left >= per_week * 2 {
            let weeks = left / per_week - 1;
            let next = d.checked_add((i64::from(weeks) * 7).days()).unwrap_or(d);
            let covered = self.working_days_between(d, next) as u32;
            if covered == 0 || covered > left {
                break;
            }
            left -= covered;
            d = self.next_working(next);
        }
        while left > 0 {
            d = self.next_working(d.tomorrow().unwrap_or(d));
            left -= 1;
        }
        d
    }

    /// Working days in each week (Monday to Sunday) touching `from..=to`,
    /// counting only days inside the range. Returns (Monday, days).
    pub fn weeks(&self, from: Date, to: Date) -> Vec<(Date, u32)> {
        let mut out = Vec::new();
        let offset = from.weekday().to_monday_zero_offset() as i64;
        let mut monday = from.checked_sub(offset.days()).unwrap_or(from);
        while monday <= to {
            let next = monday.checked_add(7.days()).unwrap_or(to);
            let lo = monday.max(from);
            let hi = next.min(to.tomorrow().unwrap_or(to));
            out.push((monday, self.working_days_between(lo, hi).max(0) as u32));
            if next <= monday {
                break;
            }
            monday = next;
        }
        out
    }
}

/// Parses a weekday name as written in the files.
pub fn weekday(s: &str) -> Option<Weekday> {
    Some(match s {
        "mon" | "monday" => Weekday::Monday,
        "tue" | "tuesday" => Weekday::Tuesday,
        "wed" | "wednesday" => Weekday::Wednesday,
        "thu" | "thursday" => Weekday::Thursday,
        "fri" | "friday" => Weekday::Friday,
        "sat" | "saturday" => Weekday::Saturday,
        "sun" | "sunday" => Weekday::Sunday,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn counts_and_maps_working_days_both_ways() {
        let mut cal = Calendar::default();
        cal.holidays.insert(d("2027-01-01"));
        cal.holidays.insert(d("2027-04-02"));
        let start = d("2027-01-01");
        // Q1 2027: 64 weekdays, one of them the New Year holiday.
        assert_eq!(cal.working_days_between(start, d("2027-04-01")), 63);
        assert_eq!(cal.date_of(start, 0), d("2027-01-04"));
        for n in [0u32, 1, 4, 5, 9, 10, 61, 62, 63, 64, 300] {
            let date = cal.date_of(start, n);
            assert!(cal.is_working(date));
            assert_eq!(cal.working_days_between(cal.next_working(start), date), i64::from(n), "day {n} is {date}");
        }
        let weeks = cal.weeks(d("2027-01-01"), d("2027-01-17"));
        assert_eq!(weeks, vec![(d("2026-12-28"), 0), (d("2027-01-04"), 5), (d("2027-01-11"), 5)]);
    }
}
