//! A weekly trend: one column per period, a dashed target line, and the
//! periods without data marked as such (not drawn as zero).

use super::bars::Reference;
use super::palette::{AXIS, GRID, INK, MUTED, Tone};
use super::scale::{Linear, nice_ticks};
use super::svg::{HALO, Svg, fmt_value, w};

/// Values per period (week), oldest first.
#[derive(Clone, Debug, PartialEq)]
pub struct Trend {
    pub title: String,
    /// Unit of the values, shown on the axis: "hours", "per week".
    pub unit: String,
    pub points: Vec<TrendPoint>,
    /// The target, drawn as a dashed horizontal line.
    pub target: Option<Reference>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TrendPoint {
    /// Short: `W05`.
    pub label: String,
    /// `None`: no data in the period (drawn as a gap, said in words).
    pub value: Option<f64>,
    pub tone: Tone,
}

const WIDTH: f64 = 460.0;
const HEIGHT: f64 = 230.0;

pub fn trend(c: &Trend) -> String {
    let clean = |v: f64| if v.is_finite() { v.clamp(0.0, 1e15) } else { 0.0 };
    let values: Vec<Option<f64>> = c.points.iter().map(|p| p.value.filter(|v| v.is_finite()).map(clean)).collect();
    let target = c.target.as_ref().filter(|r| r.value.is_finite()).map(|r| (clean(r.value), r.label.as_str()));
    let hi = values.iter().flatten().copied().chain(target.map(|(v, _)| v)).fold(0.0, f64::max);
    let ticks = nice_ticks(0.0, if hi > 0.0 { hi } else { 1.0 }, 4);
    let (left, right, top, bottom) = (48.0, WIDTH - 14.0, 44.0, HEIGHT - 40.0);
    let y = Linear::new(0.0, ticks.last(), bottom, top);

    let described: Vec<String> = c
        .points
        .iter()
        .zip(&values)
        .map(|(p, v)| format!("{} {}", p.label.trim(), v.map_or("no data".to_string(), fmt_value)))
        .collect();
    let mut desc = if c.points.is_empty() {
        "No data.".to_string()
    } else {
        format!("{} ({}).", described.join("; "), c.unit.trim())
    };
    if let Some((v, label)) = target {
        desc.push_str(&format!(" {} {}.", label.trim(), fmt_value(v)));
    }
    let mut svg = Svg::new("trend", &c.title, &desc);
    svg.heading(14.0, WIDTH - 28.0);

    w!(svg, "<g aria-hidden=\"true\">");
    for v in &ticks.values {
        let yy = y.map(*v);
        svg.line(left, yy, right, yy, &format!("stroke=\"{GRID}\""));
        svg.text(left - 6.0, yy + 4.0, &ticks.label(*v), left - 8.0, "font-size=\"11\" text-anchor=\"end\"", MUTED);
    }
    svg.line(left, bottom, right, bottom, &format!("stroke=\"{AXIS}\""));
    svg.text(left, HEIGHT - 8.0, &c.unit, right - left, "font-size=\"11\"", MUTED);
    w!(svg, "</g>");

    let n = c.points.len().max(1) as f64;
    let slot = (right - left) / n;
    let col = (slot * 0.66).clamp(2.0, 28.0);
    // Label every period when there is room, else every other one.
    let every = if slot >= 30.0 { 1 } else { 2 };
    for (i, (p, v)) in c.points.iter().zip(&values).enumerate() {
        let x = left + slot * i as f64 + (slot - col) / 2.0;
        let label = v.map_or("no data".to_string(), fmt_value);
        w!(svg, "<g><title>{}: {}</title>", super::escape(p.label.trim()), super::escape(&label));
        match v {
            Some(v) => {
                let yy = y.map_clamped(*v);
                let h = (bottom - yy).max(if *v > 0.0 { 2.0 } else { 0.0 });
                svg.rect(x, bottom - h, col, h, &format!("rx=\"2\" fill=\"{}\"", p.tone.color()));
            }
            None => {
                // A hollow stub, so that a gap reads as "no data", not zero.
                svg.rect(
                    x,
                    bottom - 6.0,
                    col,
                    6.0,
                    &format!("fill=\"none\" stroke=\"{AXIS}\" stroke-dasharray=\"2 2\""),
                );
            }
        }
        w!(svg, "</g>");
        if i % every == (c.points.len() + 1) % every {
            svg.text(
                x + col / 2.0,
                bottom + 15.0,
                &p.label,
                slot * every as f64,
                "font-size=\"10\" text-anchor=\"middle\"",
                MUTED,
            );
        }
    }
    if c.points.is_empty() {
        svg.text(left + 8.0, (top + bottom) / 2.0, "No data", 200.0, "font-size=\"13\"", MUTED);
    }
    if let Some((v, label)) = target {
        let yy = y.map_clamped(v);
        svg.line(left, yy, right, yy, &format!("stroke=\"{INK}\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\""));
        let text = format!("{} {}", label.trim(), fmt_value(v));
        let attrs = format!("font-size=\"11\" text-anchor=\"end\" font-weight=\"600\" {HALO}");
        svg.text(right, yy - 5.0, &text, right - left, &attrs, INK);
    }
    svg.finish(WIDTH, HEIGHT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::check::assert_valid;

    fn point(label: &str, value: Option<f64>) -> TrendPoint {
        TrendPoint { label: label.into(), value, tone: Tone::Neutral }
    }

    #[test]
    fn columns_gaps_and_target_are_drawn_and_described() {
        let svg = trend(&Trend {
            title: "Lead time".into(),
            unit: "hours".into(),
            points: vec![point("W01", Some(30.0)), point("W02", None), point("W03", Some(12.5))],
            target: Some(Reference { value: 24.0, label: "target".into() }),
        });
        assert_valid(&svg);
        assert!(svg.contains("W01 30; W02 no data; W03 12.5 (hours). target 24."), "{svg}");
        assert!(svg.contains("stroke-dasharray=\"2 2\""), "the gap is drawn hollow");
    }

    #[test]
    fn empty_and_absurd_inputs_stay_valid() {
        assert_valid(&trend(&Trend { title: "x".into(), unit: String::new(), points: vec![], target: None }));
        let svg = trend(&Trend {
            title: "<b>".into(),
            unit: "u".into(),
            points: vec![point("a", Some(f64::NAN)), point("b", Some(f64::INFINITY)), point("c", Some(-3.0))],
            target: Some(Reference { value: f64::NAN, label: "t".into() }),
        });
        assert_valid(&svg);
    }
}
