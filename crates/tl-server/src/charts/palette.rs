//! Colours. Text colours reach WCAG AA on white (INK 14:1, MUTED 6.9:1);
//! series colours are distinguishable with the common colour-vision
//! deficiencies and are never the only carrier of meaning.

pub(crate) const BG: &str = "#ffffff";
/// Primary text.
pub(crate) const INK: &str = "#1f2933";
/// Secondary text: axis labels, notes.
pub(crate) const MUTED: &str = "#4b5867";
/// Axis lines and ticks.
pub(crate) const AXIS: &str = "#9aa5b1";
/// Gridlines.
pub(crate) const GRID: &str = "#e6e9ee";
/// Light fills: empty tracks, header rows, no-data cells.
pub(crate) const SUBTLE: &str = "#f3f5f8";

/// Main data colour (blue).
pub(crate) const PRIMARY: &str = "#2f62a3";

pub(crate) const GOOD: &str = "#1e7b45";
pub(crate) const WARN: &str = "#b45309";
pub(crate) const BAD: &str = "#b91c1c";
pub(crate) const TEAL: &str = "#0f766e";
pub(crate) const VIOLET: &str = "#6d4fa8";

/// Categorical series: blue, amber, violet, teal, rose, olive, slate, brown.
pub(crate) const SERIES: [&str; 8] =
    ["#2f62a3", "#d98b1b", "#7a52b3", "#0f7a70", "#c2456b", "#6b7d2a", "#5b6b7d", "#9a5b2f"];

/// How a value is doing, for bars and progress.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tone {
    /// No judgement: the primary blue.
    #[default]
    Neutral,
    /// On track.
    Good,
    /// At risk.
    Warning,
    /// Off track, blocked, over a limit.
    Bad,
    /// Done, inactive or not applicable.
    Muted,
}

impl Tone {
    pub(crate) fn color(self) -> &'static str {
        match self {
            Tone::Neutral => PRIMARY,
            Tone::Good => GOOD,
            Tone::Warning => "#d17f12",
            Tone::Bad => BAD,
            Tone::Muted => "#8a96a3",
        }
    }

    /// The tone in words, for titles and descriptions.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Tone::Neutral => "",
            Tone::Good => "on track",
            Tone::Warning => "at risk",
            Tone::Bad => "off track",
            Tone::Muted => "inactive",
        }
    }
}

pub(crate) fn rgb(hex: &str) -> (f64, f64, f64) {
    let h = hex.trim_start_matches('#');
    let c = |i: usize| h.get(i..i + 2).and_then(|s| u8::from_str_radix(s, 16).ok()).unwrap_or(0) as f64;
    (c(0), c(2), c(4))
}

pub(crate) fn hex(c: (f64, f64, f64)) -> String {
    let b = |v: f64| v.round().clamp(0.0, 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", b(c.0), b(c.1), b(c.2))
}

/// Linear interpolation between two colours, `t` in 0..=1.
pub(crate) fn mix(a: &str, b: &str, t: f64) -> String {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let (a, b) = (rgb(a), rgb(b));
    hex((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t, a.2 + (b.2 - a.2) * t))
}

/// Colour at `t` along a ramp of evenly spaced stops.
pub(crate) fn ramp(stops: &[&str], t: f64) -> String {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    if stops.len() < 2 {
        return stops.first().copied().unwrap_or(PRIMARY).to_string();
    }
    let pos = t * (stops.len() - 1) as f64;
    let i = (pos.floor() as usize).min(stops.len() - 2);
    mix(stops[i], stops[i + 1], pos - i as f64)
}

fn luminance(hex: &str) -> f64 {
    let (r, g, b) = rgb(hex);
    let lin = |c: f64| {
        let c = c / 255.0;
        if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/// WCAG contrast ratio of two colours.
pub(crate) fn contrast(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// White or INK, whichever reads better on `fill`.
pub(crate) fn text_on(fill: &str) -> &'static str {
    if contrast(fill, "#ffffff") >= contrast(fill, INK) { "#ffffff" } else { INK }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_colours_meet_aa() {
        for c in [INK, MUTED, PRIMARY, GOOD, WARN, BAD, TEAL, VIOLET] {
            assert!(contrast(c, BG) >= 4.5, "{c} on white: {}", contrast(c, BG));
        }
        for c in SERIES.iter().chain([SUBTLE].iter()) {
            assert!(contrast(c, text_on(c)) >= 4.5, "text on {c}");
        }
    }

    #[test]
    fn colour_maths() {
        assert_eq!(mix("#000000", "#ffffff", 0.5), "#808080");
        assert_eq!(ramp(&["#000000", "#ffffff"], f64::NAN), "#000000");
        assert_eq!(text_on("#ffffff"), INK);
        assert_eq!(text_on("#1f2933"), "#ffffff");
    }
}
