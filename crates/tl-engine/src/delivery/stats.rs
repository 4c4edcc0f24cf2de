//! Statistics over durations, and DevLake's rounding of time spans to whole
//! minutes.

use jiff::Timestamp;

use super::definition::Statistic;

/// Summarises `values` with `statistic`; `None` for no values. NaNs are not
/// expected (durations are finite) and sort last if present.
pub fn summarize(statistic: Statistic, values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    Some(match statistic {
        Statistic::Median if n % 2 == 1 => sorted[n / 2],
        Statistic::Median => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        // percent_rank = (rank - 1) / (n - 1) <= 0.5 keeps the values up to
        // index floor((n - 1) / 2); ties share the first rank, so the
        // maximum of those is the value at that index.
        Statistic::MedianLow => sorted[(n - 1) / 2],
        Statistic::P75 => sorted[(n * 3).div_ceil(4).max(1) - 1],
        Statistic::Mean => sorted.iter().sum::<f64>() / n as f64,
    })
}

/// DevLake's `computeTimeSpan`: the minutes from `start` to `end`, rounded
/// up, or `None` when either is missing or the span is negative. Because it
/// rounds up before checking the sign, a span less than a minute negative
/// gives `Some(0)`, not `None`.
pub fn span_minutes_ceil(start: Option<Timestamp>, end: Option<Timestamp>) -> Option<i64> {
    let (start, end) = (start?, end?);
    let ms = end.as_millisecond() - start.as_millisecond();
    let minutes = ms / 60_000 + i64::from(ms % 60_000 > 0);
    (minutes >= 0).then_some(minutes)
}

/// Minutes from `start` to `end` as a real number (no rounding).
pub fn span_minutes(start: Timestamp, end: Timestamp) -> f64 {
    (end.as_millisecond() - start.as_millisecond()) as f64 / 60_000.0
}
