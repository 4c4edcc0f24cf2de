//! A calendar date for chart inputs: days since 1970-01-01, proleptic
//! Gregorian. Own type so the charts need no date crate; the server converts
//! from whatever the engine uses with `Date::from_ymd`.

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Dates are kept within years -9999..=9999, so arithmetic never overflows.
const MIN_DAYS: i64 = -4_371_587; // -9999-01-01
const MAX_DAYS: i64 = 2_932_896; // 9999-12-31

/// A day on the calendar, stored as days since 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    days: i32,
}

impl Date {
    /// The date `days` after 1970-01-01 (negative: before), clamped to
    /// years -9999..=9999.
    pub fn from_days(days: i64) -> Date {
        Date { days: days.clamp(MIN_DAYS, MAX_DAYS) as i32 }
    }

    /// A date from year, month (1-12) and day (1-31); `None` if it does not
    /// exist or lies outside years -9999..=9999.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(-9999..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day < 1 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { days: days_from_civil(year as i64, month as i64, day as i64) as i32 })
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i64 {
        self.days as i64
    }

    /// (year, month 1-12, day 1-31).
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.days as i64)
    }

    /// 0 = Monday … 6 = Sunday.
    pub fn weekday(self) -> u32 {
        (self.days as i64 + 3).rem_euclid(7) as u32
    }

    pub fn add_days(self, n: i64) -> Date {
        Date::from_days(self.days as i64 + n.clamp(-MAX_DAYS * 4, MAX_DAYS * 4))
    }

    /// The first day of this date's month.
    pub(crate) fn month_start(self) -> Date {
        let (y, m, _) = self.ymd();
        Date { days: days_from_civil(y as i64, m as i64, 1) as i32 }
    }

    /// The first day of the month `n` months after this date's month.
    pub(crate) fn add_months(self, n: i64) -> Date {
        let (y, m, _) = self.ymd();
        let total = y as i64 * 12 + (m as i64 - 1) + n;
        let (y, m) = (total.div_euclid(12), total.rem_euclid(12) + 1);
        Date::from_days(days_from_civil(y.clamp(-9999, 9999), m, 1))
    }

    /// ISO 8601: `2026-03-09`.
    pub fn iso(self) -> String {
        let (y, m, d) = self.ymd();
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// Short day label: `9 Mar`.
    pub fn short(self) -> String {
        let (_, m, d) = self.ymd();
        format!("{d} {}", MONTHS[(m - 1) as usize])
    }

    /// Month name: `Mar`.
    pub(crate) fn month_name(self) -> &'static str {
        MONTHS[(self.ymd().1 - 1) as usize]
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's algorithms, "chrono-Compatible Low-Level Date Algorithms".
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y as i32, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_weekdays() {
        let d = Date::from_ymd(1970, 1, 1).unwrap();
        assert_eq!(d.days(), 0);
        assert_eq!(d.weekday(), 3); // Thursday
        let d = Date::from_ymd(2026, 3, 9).unwrap();
        assert_eq!(d.ymd(), (2026, 3, 9));
        assert_eq!(d.weekday(), 0); // Monday
        assert_eq!(d.iso(), "2026-03-09");
        assert_eq!(d.short(), "9 Mar");
        assert_eq!(Date::from_ymd(2024, 2, 29).unwrap().add_days(1).iso(), "2024-03-01");
        assert!(Date::from_ymd(2025, 2, 29).is_none());
        assert!(Date::from_ymd(2025, 13, 1).is_none());
        for days in (-800_000..800_000).step_by(997) {
            let d = Date::from_days(days);
            let (y, m, dd) = d.ymd();
            assert_eq!(Date::from_ymd(y, m, dd), Some(d));
        }
    }

    #[test]
    fn months_and_clamping() {
        let d = Date::from_ymd(2025, 11, 20).unwrap();
        assert_eq!(d.month_start().iso(), "2025-11-01");
        assert_eq!(d.add_months(3).iso(), "2026-02-01");
        assert_eq!(d.add_months(-11).iso(), "2024-12-01");
        assert_eq!(Date::from_days(i64::MAX).ymd().0, 9999);
        assert_eq!(Date::from_days(i64::MIN).ymd().0, -9999);
        assert_eq!(Date::from_days(i64::MAX).add_days(i64::MAX).ymd().0, 9999);
        assert_eq!(Date::from_days(i64::MAX).add_months(50).ymd().0, 9999);
    }
}
