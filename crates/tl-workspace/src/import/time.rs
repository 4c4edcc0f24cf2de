//! The date and time spellings of the exports, read into UTC timestamps.
//!
//! Accepted, with or without seconds and fractions where it makes sense:
//!
//! - RFC 3339 / ISO 8601 with an offset: `2024-03-12T16:05:12Z`,
//!   `2024-03-12T16:05:12.000+0100` (Jira's REST style), `2024-03-12 16:05:12 +01:00`,
//!   `2024-03-12 16:05:12 UTC`;
//! - ISO without an offset: `2024-03-12 16:05`, `2024-03-12T16:05:12`,
//!   `2024/03/12 16:05:12`, `2024-03-12`;
//! - Jira's default: `12/Mar/24 4:05 PM`, `12/Mar/2024 16:05`, `12/Mar/24`
//!   (English month abbreviations, any case);
//! - numeric `3/12/2024 16:05` (Jira Cloud's newer export), month first
//!   unless [`DateOrder::DayFirst`] is chosen, because the order cannot be
//!   told from one value and guessing per row would silently mix them;
//! - Unix epoch milliseconds (13 digits) or seconds (10 digits).
//!
//! A time without an offset is local time of whoever exported the file;
//! it is read at the caller's fixed offset (UTC by default).

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::Offset;

/// How to read the numeric date `a/b/yyyy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DateOrder {
    /// `3/12/2024` is 12 March (en-US, Jira Cloud's default locale).
    #[default]
    MonthFirst,
    /// `12/3/2024` is 12 March.
    DayFirst,
}

/// Parses one timestamp; `None` when the text is not one of the accepted
/// spellings or names a day that does not exist.
pub fn parse(text: &str, offset: Offset, order: DateOrder) -> Option<Timestamp> {
    let text = text.trim();
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = text.parse().ok()?;
        return match text.len() {
            13 => Timestamp::from_millisecond(n).ok(),
            10 => Timestamp::from_second(n).ok(),
            _ => None,
        };
    }
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts);
    }
    let (civil, explicit) = split_offset(text);
    let offset = match explicit {
        Some(o) => o?,
        None => offset,
    };
    let dt = iso(civil).or_else(|| jira(civil)).or_else(|| numeric(civil, order))?;
    offset.to_timestamp(dt).ok()
}

/// Splits a trailing `Z`, `UTC`, `GMT` or `±hh:mm` / `±hhmm` offset off the
/// text. The inner `Option` is `None` for a malformed offset.
fn split_offset(text: &str) -> (&str, Option<Option<Offset>>) {
    for zone in [" UTC", " GMT", "Z", " Z"] {
        if let Some(rest) = text.strip_suffix(zone)
            && rest.bytes().last().is_some_and(|b| b.is_ascii_digit())
        {
            return (rest, Some(Some(Offset::UTC)));
        }
    }
    // An offset follows the time part, so it is after the last ':' (or the
    // `T`), and starts with a sign that is not part of an ISO date.
    let Some(time_start) = text.find(['T', ' ']) else { return (text, None) };
    let tail = &text[time_start + 1..];
    if !tail.starts_with(|c: char| c.is_ascii_digit()) {
        return (text, None);
    }
    let Some(sign_idx) = tail.rfind(['+', '-']) else { return (text, None) };
    let (civil, zone) = text.split_at(time_start + 1 + sign_idx);
    (civil.trim_end(), Some(parse_offset(zone)))
}

fn parse_offset(zone: &str) -> Option<Offset> {
    let sign: i32 = if zone.starts_with('-') { -1 } else { 1 };
    let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    if hours > 18 || minutes > 59 {
        return None;
    }
    Offset::from_seconds(sign * (hours * 3600 + minutes * 60)).ok()
}

/// `2024-03-12`, `2024/03/12`, followed by an optional `T` or space and a time.
fn iso(text: &str) -> Option<DateTime> {
    let (date, time) = match text.find(['T', ' ']) {
        Some(i) => (&text[..i], Some(text[i + 1..].trim())),
        None => (text, None),
    };
    let parts: Vec<&str> = date.split(['-', '/']).collect();
    let [y, m, d] = parts.as_slice() else { return None };
    if y.len() != 4 || m.is_empty() || m.len() > 2 || d.is_empty() || d.len() > 2 {
        return None;
    }
    let date = Date::new(num(y)?, num(m)?, num(d)?).ok()?;
    let time = match time {
        Some(t) => clock(t)?,
        None => Time::midnight(),
    };
    Some(date.to_datetime(time))
}

/// Jira's `12/Mar/24 4:05 PM` and its variants.
fn jira(text: &str) -> Option<DateTime> {
    let (date, time) = match text.split_once(' ') {
        Some((d, t)) => (d, Some(t.trim())),
        None => (text, None),
    };
    let parts: Vec<&str> = date.split(['/', '-']).collect();
    let [d, mon, y] = parts.as_slice() else { return None };
    let month = month(mon)?;
    let date = Date::new(year(y)?, month, num(d)?).ok()?;
    let time = match time {
        Some(t) => clock(t)?,
        None => Time::midnight(),
    };
    Some(date.to_datetime(time))
}

/// `3/12/2024 16:05` in the given order.
fn numeric(text: &str, order: DateOrder) -> Option<DateTime> {
    let (date, time) = match text.split_once(' ') {
        Some((d, t)) => (d, Some(t.trim())),
        None => (text, None),
    };
    let parts: Vec<&str> = date.split('/').collect();
    let [a, b, y] = parts.as_slice() else { return None };
    if a.len() > 2 || b.len() > 2 {
        return None;
    }
    let (m, d) = match order {
        DateOrder::MonthFirst => (a, b),
        DateOrder::DayFirst => (b, a),
    };
    let date = Date::new(year(y)?, num(m)?, num(d)?).ok()?;
    let time = match time {
        Some(t) => clock(t)?,
        None => Time::midnight(),
    };
    Some(date.to_datetime(time))
}

/// `16:05`, `16:05:12`, `16:05:12.123`, `4:05 PM`, `4:05:12 am`.
fn clock(text: &str) -> Option<Time> {
    let lower = text.trim().to_ascii_lowercase();
    let (hms, meridiem) = if let Some(t) = lower.strip_suffix("am") {
        (t.trim_end(), Some(false))
    } else if let Some(t) = lower.strip_suffix("pm") {
        (t.trim_end(), Some(true))
    } else {
        (lower.as_str(), None)
    };
    let parts: Vec<&str> = hms.split(':').collect();
    let (h, m, s) = match parts.as_slice() {
        [h, m] => (*h, *m, "0"),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    let (s, frac) = s.split_once(['.', ',']).unwrap_or((s, ""));
    if h.is_empty() || h.len() > 2 || m.len() != 2 || s.is_empty() || s.len() > 2 {
        return None;
    }
    let mut hour: i8 = num(h)?;
    match meridiem {
        Some(pm) if (1..=12).contains(&hour) => hour = hour % 12 + if pm { 12 } else { 0 },
        Some(_) => return None,
        None => {}
    }
    let nanos = if frac.is_empty() {
        0
    } else {
        if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        format!("{frac:0<9}").parse::<i32>().ok()?
    };
    Time::new(hour, num(m)?, num(s)?, nanos).ok()
}

fn month(text: &str) -> Option<i8> {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let lower = text.to_ascii_lowercase();
    MONTHS.iter().position(|m| *m == lower).map(|i| i as i8 + 1)
}

/// A two-digit year is 2000-2099, as Jira means it; four digits as written.
fn year(text: &str) -> Option<i16> {
    match text.len() {
        2 => num::<i16>(text).map(|y| 2000 + y),
        4 => num(text),
        _ => None,
    }
}

fn num<T: std::str::FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> Option<String> {
        parse(text, Offset::UTC, DateOrder::MonthFirst).map(|t| t.to_string())
    }

    #[test]
    fn jira_spellings() {
        assert_eq!(utc("12/Mar/24 4:05 PM").as_deref(), Some("2024-03-12T16:05:00Z"));
        assert_eq!(utc("12/mar/24 12:30 AM").as_deref(), Some("2024-03-12T00:30:00Z"));
        assert_eq!(utc("01/Jan/2025 09:15").as_deref(), Some("2025-01-01T09:15:00Z"));
        assert_eq!(utc("29/Feb/24").as_deref(), Some("2024-02-29T00:00:00Z"));
        assert_eq!(utc("31/Feb/24"), None);
        assert_eq!(utc("12/Mär/24 4:05 PM"), None);
        assert_eq!(utc("12/Mar/24 13:05 PM"), None);
    }

    #[test]
    fn iso_spellings() {
        assert_eq!(utc("2024-03-12T16:05:12Z").as_deref(), Some("2024-03-12T16:05:12Z"));
        assert_eq!(utc("2024-03-12T16:05:12.000+0100").as_deref(), Some("2024-03-12T15:05:12Z"));
        assert_eq!(utc("2024-03-12 16:05:12 -07:00").as_deref(), Some("2024-03-12T23:05:12Z"));
        assert_eq!(utc("2024-03-12 16:05:12 UTC").as_deref(), Some("2024-03-12T16:05:12Z"));
        assert_eq!(utc("2024/03/12 16:05:12.5").as_deref(), Some("2024-03-12T16:05:12.5Z"));
        assert_eq!(utc("2024-03-12").as_deref(), Some("2024-03-12T00:00:00Z"));
        assert_eq!(utc("2024-03-12 16:05 +25:00"), None);
        assert_eq!(utc("1710259512000").as_deref(), Some("2024-03-12T16:05:12Z"));
    }

    #[test]
    fn numeric_order_and_local_offset() {
        assert_eq!(utc("3/12/2024 16:05").as_deref(), Some("2024-03-12T16:05:00Z"));
        let day_first = parse("3/12/2024 16:05", Offset::UTC, DateOrder::DayFirst).unwrap();
        assert_eq!(day_first.to_string(), "2024-12-03T16:05:00Z");
        let cet = Offset::from_hours(1).unwrap();
        let local = parse("12/Mar/24 4:05 PM", cet, DateOrder::MonthFirst).unwrap();
        assert_eq!(local.to_string(), "2024-03-12T15:05:00Z");
    }
}
