//! Axes: "nice" tick values and linear scales.

use super::svg::fmt_fixed;

/// Evenly spaced round tick values covering a range.
#[derive(Clone, Debug, PartialEq)]
pub struct Ticks {
    /// Ascending; the first is at or below the range start and the last at
    /// or above its end. Never empty.
    pub values: Vec<f64>,
    /// Distance between ticks: 1, 2, 2.5 or 5 times a power of ten.
    pub step: f64,
}

impl Ticks {
    pub fn first(&self) -> f64 {
        self.values.first().copied().unwrap_or(0.0)
    }

    pub fn last(&self) -> f64 {
        self.values.last().copied().unwrap_or(1.0)
    }

    /// A tick label with just enough decimals for the step; large
    /// magnitudes as `12k`, `3.5M`, `2B`.
    pub fn label(&self, v: f64) -> String {
        let big = self.values.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let (div, suffix) = if big >= 1e9 {
            (1e9, "B")
        } else if big >= 1e6 {
            (1e6, "M")
        } else if big >= 1e4 {
            (1e3, "k")
        } else {
            (1.0, "")
        };
        let step = self.step / div;
        let decimals = if step >= 1.0 { 0 } else { ((-step.log10()).ceil() as usize + 1).min(6) };
        // Drop a decimal when the step does not need it (0.5 vs 0.25).
        let decimals = (0..=decimals)
            .find(|&d| {
                let f = 10f64.powi(d as i32);
                ((step * f).round() - step * f).abs() < 1e-6
            })
            .unwrap_or(decimals);
        if big >= 1e15 {
            return format!("{v:.1e}");
        }
        format!("{}{suffix}", fmt_fixed(v / div, decimals))
    }
}

/// Round ticks covering `lo..=hi`, about `target` of them (at least 2).
/// NaN, infinities, reversed or empty ranges give sensible ticks; never
/// panics and never returns more than 60 values.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Ticks {
    const LIMIT: f64 = 1e15;
    let lo = if lo.is_finite() { lo.clamp(-LIMIT, LIMIT) } else { 0.0 };
    let hi = if hi.is_finite() { hi.clamp(-LIMIT, LIMIT) } else { lo };
    let (mut lo, mut hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    if hi - lo < 1e-12 * lo.abs().max(1.0) {
        if lo == 0.0 {
            hi = 1.0;
        } else {
            let pad = lo.abs() * 0.1;
            lo -= pad;
            hi += pad;
        }
    }
    let target = target.clamp(2, 20) as f64;
    let step = nice_step((hi - lo) / (target - 1.0));
    let start = (lo / step).floor() * step;
    let count = (((hi - start) / step).ceil() as usize).clamp(1, 59) + 1;
    let values = (0..count)
        .map(|i| {
            let v = start + i as f64 * step;
            // Snap away floating error (0.30000000000000004).
            let snapped = (v / step).round() * step;
            if snapped == 0.0 { 0.0 } else { snapped }
        })
        .collect();
    Ticks { values, step }
}

fn nice_step(raw: f64) -> f64 {
    let raw = if raw.is_finite() && raw > 0.0 { raw } else { 1.0 };
    let exp = raw.log10().floor();
    let base = 10f64.powf(exp);
    let f = raw / base;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * base
}

/// Maps a domain linearly onto a pixel range; output always finite.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Linear {
    pub(crate) d0: f64,
    pub(crate) d1: f64,
    pub(crate) r0: f64,
    pub(crate) r1: f64,
}

impl Linear {
    pub(crate) fn new(d0: f64, d1: f64, r0: f64, r1: f64) -> Linear {
        let d0 = if d0.is_finite() { d0 } else { 0.0 };
        let d1 = if d1.is_finite() && d1 != d0 { d1 } else { d0 + 1.0 };
        Linear { d0, d1, r0, r1 }
    }

    pub(crate) fn map(&self, v: f64) -> f64 {
        let v = if v.is_finite() { v } else { self.d0 };
        let t = ((v - self.d0) / (self.d1 - self.d0)).clamp(-1.0, 2.0);
        let out = self.r0 + t * (self.r1 - self.r0);
        if out.is_finite() { out } else { self.r0 }
    }

    /// Like `map`, but pinned inside the range.
    pub(crate) fn map_clamped(&self, v: f64) -> f64 {
        let (a, b) = if self.r0 <= self.r1 { (self.r0, self.r1) } else { (self.r1, self.r0) };
        self.map(v).clamp(a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ticks_are_round_and_cover() {
        let t = nice_ticks(0.0, 97.0, 6);
        assert_eq!(t.values, vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        let t = nice_ticks(0.13, 0.87, 5);
        assert_eq!(t.step, 0.2);
        let labels: Vec<String> = t.values.iter().map(|v| t.label(*v)).collect();
        assert_eq!(labels, ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
        let t = nice_ticks(350.0, 120.0, 5);
        assert!(t.first() <= 120.0 && t.last() >= 350.0);
        assert_eq!(t.label(250.0), "250");
        let t = nice_ticks(0.0, 250_000.0, 6);
        assert_eq!(t.label(50_000.0), "50k");
        let t = nice_ticks(0.0, 1.0, 5);
        assert_eq!(t.label(0.25), "0.25");
        assert_eq!(t.label(0.5), "0.5");
    }

    #[test]
    fn nice_ticks_survive_degenerate_input() {
        for (lo, hi) in [
            (f64::NAN, f64::NAN),
            (f64::NEG_INFINITY, f64::INFINITY),
            (5.0, 5.0),
            (0.0, 0.0),
            (-1e308, 1e308),
            (1e-300, 2e-300),
            (-3.0, -3.0),
        ] {
            let t = nice_ticks(lo, hi, 6);
            assert!(t.values.len() >= 2 && t.values.len() <= 60, "{lo} {hi}: {t:?}");
            assert!(t.values.iter().all(|v| v.is_finite()));
            assert!(t.step.is_finite() && t.step > 0.0);
            for v in &t.values {
                assert!(!t.label(*v).contains("NaN"));
            }
        }
    }

    #[test]
    fn linear_is_finite() {
        let s = Linear::new(0.0, 0.0, 10.0, 110.0);
        assert_eq!(s.map(0.5), 60.0);
        assert_eq!(s.map(f64::NAN), 10.0);
        assert_eq!(Linear::new(0.0, 10.0, 0.0, 100.0).map_clamped(1e300), 100.0);
    }
}
