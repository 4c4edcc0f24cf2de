//! The capacity mix as a donut: actual shares in the thick ring, target
//! shares in a thin outer ring with ticks at the target boundaries, and a
//! legend table with actual, target and the gap in points.

use std::f64::consts::{PI, TAU};

use super::palette::{self, INK, MUTED, SERIES};
use super::svg::{N, Svg, fmt_pct, fmt_value, w};

/// One part of the whole.
#[derive(Clone, Debug, PartialEq)]
pub struct Slice {
    pub label: String,
    /// Amount in `Donut::unit` (e.g. person-weeks); shares are computed.
    /// Negative and non-finite values count as zero.
    pub value: f64,
    /// Target share, 0..=1 (0.7 for 70%); `None` draws no target.
    pub target: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Donut {
    pub title: String,
    pub slices: Vec<Slice>,
    /// Unit of the values, shown under the total in the centre.
    pub unit: String,
    /// A gap to target larger than this share (0.05 = 5 points) is flagged.
    pub tolerance: f64,
}

impl Donut {
    /// The capacity mix against the 70-20-10 target, values in person-weeks.
    pub fn capacity_mix(committed: f64, improvement: f64, exploration: f64) -> Donut {
        let slice = |label: &str, value, target| Slice { label: label.into(), value, target: Some(target) };
        Donut {
            title: "Capacity mix against 70-20-10".into(),
            slices: vec![
                slice("Committed", committed, 0.7),
                slice("Improvement", improvement, 0.2),
                slice("Exploration", exploration, 0.1),
            ],
            unit: "person-weeks".into(),
            tolerance: 0.05,
        }
    }
}

const CX: f64 = 140.0;
const CY: f64 = 158.0;
const R_OUT: f64 = 96.0;
const R_IN: f64 = 60.0;
const T_IN: f64 = 103.0;
const T_OUT: f64 = 110.0;
const LEGEND_X: f64 = 290.0;
const WIDTH: f64 = 620.0;

fn clean(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 { v.min(1e300) } else { 0.0 }
}

/// Draws the donut. Values are normalised to shares; targets are drawn as
/// given when they sum to at most 1, normalised otherwise.
pub fn donut(d: &Donut) -> String {
    let values: Vec<f64> = d.slices.iter().map(|s| clean(s.value)).collect();
    let total: f64 = values.iter().sum();
    let shares: Vec<f64> = values.iter().map(|v| if total > 0.0 { v / total } else { 0.0 }).collect();
    let targets: Vec<Option<f64>> = d.slices.iter().map(|s| s.target.map(|t| clean(t).min(1.0))).collect();
    let target_sum: f64 = targets.iter().flatten().sum();
    let targets: Vec<Option<f64>> =
        targets.iter().map(|t| t.map(|t| if target_sum > 1.0 { t / target_sum } else { t })).collect();
    let tolerance = if d.tolerance.is_finite() { d.tolerance.abs() } else { 0.05 };

    let mut desc = if total > 0.0 {
        format!("Total {} {}. ", fmt_value(total), d.unit)
    } else {
        "No capacity recorded. ".to_string()
    };
    for (i, s) in d.slices.iter().enumerate() {
        desc.push_str(&format!("{}: {}", s.label, fmt_pct(shares[i])));
        if let Some(t) = targets[i] {
            desc.push_str(&format!(" (target {}, {})", fmt_pct(t), gap_words(shares[i] - t, tolerance)));
        }
        desc.push_str(". ");
    }
    let mut svg = Svg::new("donut", &d.title, desc.trim_end());
    svg.heading(16.0, WIDTH - 32.0);
    let color = |i: usize| SERIES[i % SERIES.len()];

    // Actual shares.
    if total > 0.0 {
        w!(svg, "<g stroke=\"#ffffff\" stroke-width=\"2\" stroke-linejoin=\"round\">");
        let mut a = 0.0;
        for (i, s) in d.slices.iter().enumerate() {
            if shares[i] <= 0.0 {
                continue;
            }
            let b = a + shares[i] * TAU;
            let target = targets[i].map(|t| format!(", target {}", fmt_pct(t))).unwrap_or_default();
            w!(
                svg,
                "<path d=\"{}\" fill=\"{}\"><title>{}: {}{}</title></path>",
                arc(a, b, R_IN, R_OUT),
                color(i),
                super::escape(&s.label),
                fmt_pct(shares[i]),
                target
            );
            a = b;
        }
        w!(svg, "</g>");
        // Percentages inside segments large enough to hold them.
        let mut a = 0.0;
        for (i, share) in shares.iter().enumerate() {
            let b = a + share * TAU;
            if *share >= 0.06 {
                let (x, y) = polar((a + b) / 2.0, (R_IN + R_OUT) / 2.0);
                let fg = palette::text_on(color(i));
                w!(
                    svg,
                    "<text x=\"{}\" y=\"{}\" font-size=\"13\" font-weight=\"600\" text-anchor=\"middle\" \
                     dominant-baseline=\"central\" fill=\"{fg}\" aria-hidden=\"true\">{}</text>",
                    N(x),
                    N(y),
                    fmt_pct(*share)
                );
            }
            a = b;
        }
        svg.text(
            CX,
            CY - 4.0,
            &fmt_value(total),
            2.0 * R_IN - 16.0,
            "font-size=\"22\" font-weight=\"600\" text-anchor=\"middle\"",
            INK,
        );
        svg.text(CX, CY + 16.0, &d.unit, 2.0 * R_IN - 14.0, "font-size=\"11\" text-anchor=\"middle\"", MUTED);
    } else {
        w!(svg, "<path d=\"{}\" fill=\"{}\"/>", arc(0.0, TAU, R_IN, R_OUT), palette::SUBTLE);
        svg.text(CX, CY + 5.0, "No data", 2.0 * R_IN, "font-size=\"14\" text-anchor=\"middle\"", MUTED);
    }

    // Target ring and boundary ticks.
    if targets.iter().any(|t| t.is_some()) {
        w!(svg, "<g aria-label=\"Target shares\">");
        let mut a = 0.0;
        for (i, t) in targets.iter().enumerate() {
            let Some(t) = t else { continue };
            if *t <= 0.0 {
                continue;
            }
            let b = a + t * TAU;
            w!(
                svg,
                "<path d=\"{}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"1\"><title>Target for {}: {}</title></path>",
                arc(a, b, T_IN, T_OUT),
                palette::mix(color(i), "#ffffff", 0.35),
                super::escape(&d.slices[i].label),
                fmt_pct(*t)
            );
            a = b;
        }
        let mut a = 0.0;
        w!(svg, "<g stroke=\"{INK}\" stroke-width=\"2\" stroke-linecap=\"round\" aria-hidden=\"true\">");
        for t in targets.iter().flatten() {
            if *t > 0.0 && *t < 1.0 {
                let (x1, y1) = polar(a, R_OUT - 6.0);
                let (x2, y2) = polar(a, T_OUT + 4.0);
                w!(svg, "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", N(x1), N(y1), N(x2), N(y2));
            }
            a += t * TAU;
        }
        w!(svg, "</g></g>");
    }

    // Legend table.
    let top = 64.0;
    let row_h = 40.0;
    let (c_actual, c_target, c_gap) = (LEGEND_X + 170.0, LEGEND_X + 228.0, WIDTH - 16.0);
    let head = "font-size=\"11\" text-anchor=\"end\"";
    svg.text(c_actual, top, "Actual", 60.0, head, MUTED);
    if targets.iter().any(|t| t.is_some()) {
        svg.text(c_target, top, "Target", 60.0, head, MUTED);
        svg.text(c_gap, top, "Gap", 60.0, head, MUTED);
    }
    svg.line(LEGEND_X, top + 7.0, WIDTH - 16.0, top + 7.0, &format!("stroke=\"{}\"", palette::GRID));
    for (i, s) in d.slices.iter().enumerate() {
        let y = top + 30.0 + i as f64 * row_h;
        svg.rect(LEGEND_X, y - 12.0, 14.0, 14.0, &format!("rx=\"3\" fill=\"{}\"", color(i)));
        svg.text(LEGEND_X + 22.0, y, &s.label, 118.0, "font-size=\"13\" font-weight=\"600\"", INK);
        svg.text(c_actual, y, &fmt_pct(shares[i]), 56.0, "font-size=\"13\" text-anchor=\"end\"", INK);
        if let Some(t) = targets[i] {
            let gap = shares[i] - t;
            let off = gap.abs() > tolerance + 1e-9 && total > 0.0;
            svg.text(c_target, y, &fmt_pct(t), 56.0, "font-size=\"13\" text-anchor=\"end\"", MUTED);
            let pts = (gap * 100.0).round();
            let gap_text = if total > 0.0 {
                format!(
                    "{}{} pts",
                    if pts > 0.0 {
                        "+"
                    } else if pts < 0.0 {
                        "\u{2212}"
                    } else {
                        ""
                    },
                    pts.abs()
                )
            } else {
                "\u{2013}".into()
            };
            let weight = if off { "font-weight=\"600\" " } else { "" };
            svg.text(
                c_gap,
                y,
                &gap_text,
                60.0,
                &format!("font-size=\"13\" {weight}text-anchor=\"end\""),
                if off { palette::BAD } else { INK },
            );
            if total > 0.0 {
                let words = gap_words(gap, tolerance);
                svg.text(
                    LEGEND_X + 22.0,
                    y + 15.0,
                    &words,
                    c_gap - LEGEND_X - 22.0,
                    "font-size=\"11\"",
                    if off { palette::BAD } else { MUTED },
                );
            }
        }
    }
    let legend_bottom = top + 30.0 + d.slices.len() as f64 * row_h;
    let mut height = (CY + T_OUT + 20.0).max(legend_bottom);
    if targets.iter().any(|t| t.is_some()) {
        let note = format!(
            "Inner ring: actual share. Outer ring and ticks: target. Flagged beyond \u{b1}{} pts.",
            fmt_value(tolerance * 100.0)
        );
        svg.text(16.0, height + 4.0, &note, WIDTH - 32.0, "font-size=\"11\"", MUTED);
        height += 18.0;
    }
    svg.finish(WIDTH, height)
}

fn gap_words(gap: f64, tolerance: f64) -> String {
    let pts = fmt_value((gap * 100.0).abs().round());
    if gap.abs() <= tolerance + 1e-9 {
        "within target".into()
    } else if gap > 0.0 {
        format!("{pts} pts over target")
    } else {
        format!("{pts} pts under target")
    }
}

/// Point on a circle around the centre; angle 0 at 12 o'clock, clockwise.
fn polar(angle: f64, r: f64) -> (f64, f64) {
    (CX + r * angle.sin(), CY - r * angle.cos())
}

/// A ring segment from angle `a` to `b`; a full turn is drawn as two halves
/// because one SVG arc cannot close on itself.
fn arc(a: f64, b: f64, r_in: f64, r_out: f64) -> String {
    if b - a >= TAU - 1e-6 {
        return format!("{} {}", arc(a, a + PI, r_in, r_out), arc(a + PI, a + TAU, r_in, r_out));
    }
    let large = if b - a > PI { 1 } else { 0 };
    let (x0, y0) = polar(a, r_out);
    let (x1, y1) = polar(b, r_out);
    let (x2, y2) = polar(b, r_in);
    let (x3, y3) = polar(a, r_in);
    format!(
        "M{} {}A{r_out} {r_out} 0 {large} 1 {} {}L{} {}A{r_in} {r_in} 0 {large} 0 {} {}Z",
        N(x0),
        N(y0),
        N(x1),
        N(y1),
        N(x2),
        N(y2),
        N(x3),
        N(y3)
    )
}

#[cfg(test)]
mod tests {
    use super::super::check::assert_valid;
    use super::*;

    #[test]
    fn capacity_mix_has_labels_targets_and_legend() {
        let svg = donut(&Donut::capacity_mix(64.0, 24.0, 12.0));
        assert_valid(&svg);
        for s in ["Committed", "Improvement", "Exploration", "64%", "70%", "\u{2212}6 pts", "Target", "Outer ring"] {
            assert!(svg.contains(s), "missing {s}");
        }
        assert!(svg.contains("within target"));
    }

    #[test]
    fn off_target_is_flagged_in_words() {
        let svg = donut(&Donut::capacity_mix(50.0, 30.0, 20.0));
        assert_valid(&svg);
        assert!(svg.contains("20 pts under target"));
        assert!(svg.contains("10 pts over target"));
    }

    #[test]
    fn degenerate_inputs_never_panic() {
        let mut many = Donut::capacity_mix(1.0, 1.0, 1.0);
        many.slices = (0..20)
            .map(|i| Slice {
                label: format!("<Category & {i}> with a label far too long to fit anywhere"),
                value: i as f64,
                target: Some(0.2),
            })
            .collect();
        let cases = vec![
            Donut::capacity_mix(0.0, 0.0, 0.0),
            Donut::capacity_mix(f64::NAN, f64::INFINITY, -5.0),
            Donut::capacity_mix(1e308, 1e308, 1e308),
            Donut::capacity_mix(100.0, 0.0, 0.0),
            Donut::capacity_mix(0.0, 0.0, 1e-300),
            Donut { title: String::new(), slices: vec![], unit: String::new(), tolerance: f64::NAN },
            many,
        ];
        for d in cases {
            let svg = donut(&d);
            assert_valid(&svg);
        }
        let full = donut(&Donut::capacity_mix(100.0, 0.0, 0.0));
        assert!(full.contains("100%"));
        assert!(donut(&Donut::capacity_mix(0.0, 0.0, 0.0)).contains("No data"));
    }
}
