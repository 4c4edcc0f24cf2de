//! A plausible quarter of weekly check-ins for every key result, for the
//! demo: values move from baseline toward target at a pace of their own,
//! with noise; confidence and status follow how far each key result is
//! behind the straight line to its target. Seeded and deterministic; the
//! caller supplies `now` (no clock here).

use jiff::{SignedDuration, Timestamp};
use tl_engine::Model;
use tl_store::{CheckInStatus, Confidence, NewCheckIn};

/// SplitMix64: a tiny, well-mixed generator; enough for demo noise.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

/// Weeks of history: one quarter.
pub const WEEKS: usize = 13;

const BLOCKERS: &[&str] = &[
    "waiting on a review from the platform team",
    "load-test environment unavailable",
    "key engineer on leave",
    "vendor has not delivered the sandbox",
];

/// Weekly check-ins for every key result (in model order, oldest first per
/// key result), the last one at `now`, the first `WEEKS - 1` weeks earlier.
/// Each list is ready for `Store::record_check_in` with expected versions
/// 0, 1, 2, ...
pub fn check_in_history(model: &Model, seed: u64, now: Timestamp) -> Vec<(String, Vec<NewCheckIn>)> {
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    for (objective, kr) in model.key_results() {
        let author = objective.owner.as_ref().map_or_else(|| "demo".to_string(), |o| o.id.0.clone());
        let baseline = kr.baseline.unwrap_or(0.0);
        let target = kr.target.unwrap_or(baseline + 1.0);
        let span = target - baseline;
        // Most key results keep pace; some lag, a few stall.
        let pace = match rng.unit() {
            u if u < 0.6 => rng.range(0.9, 1.15),
            u if u < 0.85 => rng.range(0.6, 0.85),
            _ => rng.range(0.25, 0.5),
        };
        // Progress at the end of the history, as the share of the quarter
        // that is over (the demo quarter ends a few weeks from now).
        let horizon = WEEKS as f64 + 2.0;
        let mut list = Vec::with_capacity(WEEKS);
        let mut progress: f64 = 0.0;
        for week in 0..WEEKS {
            let elapsed = (week + 1) as f64 / horizon;
            let planned = elapsed;
            let step = pace / horizon + rng.range(-0.02, 0.02);
            progress = (progress + step).clamp(0.0, 1.05);
            let ratio = if planned > 0.0 { progress / planned } else { 1.0 };
            let status = if ratio >= 0.85 {
                CheckInStatus::OnTrack
            } else if ratio >= 0.6 {
                CheckInStatus::AtRisk
            } else {
                CheckInStatus::OffTrack
            };
            let confidence = (0.35 + 0.55 * ratio.min(1.1) + rng.range(-0.05, 0.05)).clamp(0.05, 0.95);
            // Clamped to 0.05-0.95 above, so always a valid confidence.
            let Ok(confidence) = Confidence::new((confidence * 100.0).round() / 100.0) else {
                continue;
            };
            let value = baseline + span * progress;
            let value = (value * 100.0).round() / 100.0;
            let blockers = if status == CheckInStatus::OffTrack {
                vec![BLOCKERS[(rng.next_u64() % BLOCKERS.len() as u64) as usize].to_string()]
            } else {
                Vec::new()
            };
            let note = match status {
                CheckInStatus::OnTrack if week % 4 == 0 => Some("steady progress".to_string()),
                CheckInStatus::AtRisk => Some("behind plan; recovering".to_string()),
                CheckInStatus::OffTrack => Some("well behind plan".to_string()),
                _ => None,
            };
            let weeks_ago = (WEEKS - 1 - week) as i64;
            let at = now.checked_sub(SignedDuration::from_hours(24 * 7 * weeks_ago)).unwrap_or(now);
            list.push(NewCheckIn { value, confidence, status, note, blockers, author: author.clone(), at });
        }
        out.push((kr.id.0.clone(), list));
    }
    out
}
