//! A small inline progress bar, and horizontal bar charts with labels.

use super::palette::{AXIS, GRID, INK, MUTED, Tone};
use super::scale::{Linear, nice_ticks};
use super::svg::{HALO, Svg, fmt_pct, fmt_value, text_width, w};

/// Progress towards a goal, drawn inline (about 170×18 px).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    /// What is measured, for the accessible name: "Reduce checkout latency".
    pub label: String,
    /// Done share, 0..=1; clamped.
    pub value: f64,
    /// Where it should be by now, drawn as a tick.
    pub expected: Option<f64>,
    pub tone: Tone,
}

pub fn progress_bar(p: &Progress) -> String {
    const TRACK: f64 = 120.0;
    let value = if p.value.is_finite() { p.value.clamp(0.0, 1.0) } else { 0.0 };
    let mut title = format!("{}: {} done", p.label.trim(), fmt_pct(value));
    if let Some(e) = p.expected.filter(|e| e.is_finite()) {
        title.push_str(&format!(", {} expected by now", fmt_pct(e.clamp(0.0, 1.0))));
    }
    if !p.tone.word().is_empty() {
        title.push_str(&format!(", {}", p.tone.word()));
    }
    let title = title.trim_start_matches(": ").to_string();
    let mut svg = Svg::new("progress", &title, &title);
    svg.rect(0.0, 6.0, TRACK, 8.0, &format!("rx=\"4\" fill=\"{}\"", "#e3e7ec"));
    if value > 0.0 {
        svg.rect(0.0, 6.0, (TRACK * value).max(8.0), 8.0, &format!("rx=\"4\" fill=\"{}\"", p.tone.color()));
    }
    if let Some(e) = p.expected.filter(|e| e.is_finite()) {
        let x = TRACK * e.clamp(0.0, 1.0);
        svg.rect((x - 1.0).clamp(0.0, TRACK - 2.0), 3.0, 2.0, 14.0, &format!("fill=\"{INK}\""));
    }
    svg.text(TRACK + 8.0, 15.0, &fmt_pct(value), 44.0, "font-size=\"13\" font-weight=\"600\"", INK);
    svg.finish_fixed(TRACK + 52.0, 20.0)
}

/// Horizontal bars, one per labelled value (e.g. technical debt by
/// category, in person-weeks).
#[derive(Clone, Debug, PartialEq)]
pub struct BarChart {
    pub title: String,
    /// Unit of the values, shown on the axis: "person-weeks".
    pub unit: String,
    pub bars: Vec<Bar>,
    /// An optional vertical reference line (a budget, a floor).
    pub reference: Option<Reference>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    /// Negative and non-finite values are drawn as zero ("n/a" if not finite).
    pub value: f64,
    pub tone: Tone,
    /// Short text after the value: "3 items", "12%".
    pub note: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    pub value: f64,
    pub label: String,
}

const WIDTH: f64 = 720.0;
const BAR_H: f64 = 20.0;
const ROW_H: f64 = 30.0;

pub fn bar_chart(c: &BarChart) -> String {
    let clean = |v: f64| if v.is_finite() { v.clamp(0.0, 1e15) } else { 0.0 };
    let label_w = c.bars.iter().map(|b| text_width(&b.label, 13.0)).fold(60.0, f64::max).min(220.0) + 12.0;
    let left = 16.0 + label_w;
    let value_labels: Vec<String> = c
        .bars
        .iter()
        .map(|b| {
            let v = if b.value.is_finite() { fmt_value(clean(b.value)) } else { "n/a".into() };
            if b.note.trim().is_empty() { v } else { format!("{v} · {}", b.note.trim()) }
        })
        .collect();
    let right_room = value_labels.iter().map(|s| text_width(s, 12.0)).fold(40.0, f64::max).min(180.0) + 16.0;
    let plot_w = (WIDTH - left - right_room).max(160.0);
    let mut hi = c.bars.iter().map(|b| clean(b.value)).fold(0.0, f64::max);
    let reference = c.reference.as_ref().filter(|r| r.value.is_finite()).map(|r| (clean(r.value), r.label.as_str()));
    if let Some((v, _)) = reference {
        hi = hi.max(v);
    }
    let ticks = nice_ticks(0.0, hi, 6);
    let x = Linear::new(0.0, ticks.last(), left, left + plot_w);
    let top = 56.0;
    let rows_h = (c.bars.len().max(1)) as f64 * ROW_H;

    let mut desc: Vec<String> =
        c.bars.iter().zip(&value_labels).map(|(b, v)| format!("{}: {v}", b.label.trim())).collect();
    if let Some((v, label)) = reference {
        desc.push(format!("reference {}: {}", label.trim(), fmt_value(v)));
    }
    let desc =
        if c.bars.is_empty() { "No data.".to_string() } else { format!("{} ({}).", desc.join("; "), c.unit.trim()) };
    let mut svg = Svg::new("bar-chart", &c.title, &desc);
    svg.heading(16.0, WIDTH - 32.0);

    w!(svg, "<g aria-hidden=\"true\">");
    for v in &ticks.values {
        let xx = x.map(*v);
        svg.line(xx, top - 6.0, xx, top + rows_h, &format!("stroke=\"{GRID}\""));
        svg.text(xx, top + rows_h + 16.0, &ticks.label(*v), 70.0, "font-size=\"11\" text-anchor=\"middle\"", MUTED);
    }
    svg.line(left, top - 6.0, left, top + rows_h, &format!("stroke=\"{AXIS}\""));
    svg.text(
        left + plot_w / 2.0,
        top + rows_h + 34.0,
        &c.unit,
        plot_w,
        "font-size=\"11\" text-anchor=\"middle\"",
        MUTED,
    );
    w!(svg, "</g>");

    for (i, (b, vl)) in c.bars.iter().zip(&value_labels).enumerate() {
        let y = top + i as f64 * ROW_H + (ROW_H - BAR_H) / 2.0;
        svg.text(
            left - 10.0,
            y + BAR_H / 2.0 + 4.5,
            &b.label,
            label_w - 6.0,
            "font-size=\"13\" text-anchor=\"end\"",
            INK,
        );
        let wdt = x.map_clamped(clean(b.value)) - left;
        w!(svg, "<g><title>{}: {}</title>", super::escape(b.label.trim()), super::escape(vl));
        svg.rect(
            left,
            y,
            wdt.max(if clean(b.value) > 0.0 { 2.0 } else { 0.0 }),
            BAR_H,
            &format!("rx=\"3\" fill=\"{}\"", b.tone.color()),
        );
        w!(svg, "</g>");
        svg.text(
            left + wdt + 6.0,
            y + BAR_H / 2.0 + 4.0,
            vl,
            right_room - 8.0 + (plot_w - wdt),
            &format!("font-size=\"12\" {HALO}"),
            INK,
        );
    }
    if c.bars.is_empty() {
        svg.text(left + 8.0, top + 19.0, "No data", 200.0, "font-size=\"13\"", MUTED);
    }
    if let Some((v, label)) = reference {
        let xx = x.map_clamped(v);
        svg.line(
            xx,
            top - 10.0,
            xx,
            top + rows_h + 2.0,
            &format!("stroke=\"{INK}\" stroke-width=\"2\" stroke-dasharray=\"5 3\""),
        );
        let text = format!("{} {}", label.trim(), fmt_value(v));
        let tw = text_width(&text, 11.0);
        let anchor = if xx + tw / 2.0 > WIDTH - 16.0 {
            "end"
        } else if xx - tw / 2.0 < left {
            "start"
        } else {
            "middle"
        };
        svg.text(
            xx,
            top - 14.0,
            &text,
            WIDTH - 32.0,
            &format!("font-size=\"11\" font-weight=\"600\" text-anchor=\"{anchor}\""),
            INK,
        );
    }
    svg.finish(WIDTH, top + rows_h + 46.0)
}

#[cfg(test)]
mod tests {
    use super::super::check::assert_valid;
    use super::*;

    #[test]
    fn progress_bar_has_value_expected_and_status() {
        let svg = progress_bar(&Progress {
            label: "Checkout p95 < 300 ms".into(),
            value: 0.64,
            expected: Some(0.7),
            tone: Tone::Warning,
        });
        assert_valid(&svg);
        assert!(svg.contains("64%"));
        assert!(svg.contains("Checkout p95 &lt; 300 ms: 64% done, 70% expected by now, at risk"));
    }

    #[test]
    fn bar_chart_labels_values_and_reference() {
        let c = BarChart {
            title: "Technical debt by category".into(),
            unit: "person-weeks".into(),
            bars: vec![
                Bar { label: "Architecture".into(), value: 34.0, tone: Tone::Bad, note: "6 items".into() },
                Bar { label: "Tests & tooling".into(), value: 12.5, tone: Tone::Neutral, note: String::new() },
            ],
            reference: Some(Reference { value: 20.0, label: "Budget".into() }),
        };
        let svg = bar_chart(&c);
        assert_valid(&svg);
        for s in ["Architecture", "Tests &amp; tooling", "34 · 6 items", "12.5", "Budget 20", "person-weeks"] {
            assert!(svg.contains(s), "missing {s}");
        }
    }

    #[test]
    fn degenerate_inputs_never_panic() {
        for v in [0.0, f64::NAN, -1.0, f64::INFINITY, 1e300, 0.999999] {
            assert_valid(&progress_bar(&Progress {
                label: "<x>".into(),
                value: v,
                expected: Some(v),
                tone: Tone::Good,
            }));
        }
        assert_valid(&progress_bar(&Progress::default()));
        let long = "A category label that is much too long to ever fit in the label column & more".to_string();
        let cases = vec![
            BarChart { title: String::new(), unit: String::new(), bars: vec![], reference: None },
            BarChart {
                title: "t".into(),
                unit: "u".into(),
                bars: vec![
                    Bar { label: long.clone(), value: f64::NAN, tone: Tone::Muted, note: long.clone() },
                    Bar { label: "zero".into(), value: 0.0, tone: Tone::Good, note: String::new() },
                    Bar { label: "huge".into(), value: 1e300, tone: Tone::Warning, note: String::new() },
                    Bar { label: "neg".into(), value: -5.0, tone: Tone::Neutral, note: String::new() },
                ],
                reference: Some(Reference { value: f64::NAN, label: long }),
            },
            BarChart {
                title: "t".into(),
                unit: "u".into(),
                bars: vec![Bar { label: "only".into(), value: 0.0, tone: Tone::Neutral, note: String::new() }],
                reference: Some(Reference { value: 0.0, label: "floor".into() }),
            },
        ];
        for c in cases {
            assert_valid(&bar_chart(&c));
        }
    }
}
