//! Utilization per team and period: one cell per team × period, coloured on
//! a blue ramp up to the threshold and a warm ramp above it, the value
//! printed in the cell, and cells above the threshold outlined and marked
//! with a corner notch so the threshold does not rest on colour alone.

use super::palette::{self, INK, MUTED};
use super::svg::{N, Svg, fit, fmt_pct, text_width, w};

#[derive(Clone, Debug, PartialEq)]
pub struct HeatMap {
    pub title: String,
    /// Period labels, left to right (`Jan`, `W14`).
    pub columns: Vec<String>,
    pub rows: Vec<HeatRow>,
    /// The planned-utilization ceiling as a fraction (0.85).
    pub threshold: f64,
}

/// One team's utilization per period, as fractions (0.92 = 92%). Missing
/// and non-finite values are drawn as "no data"; extra values beyond the
/// columns are ignored.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatRow {
    pub label: String,
    pub values: Vec<Option<f64>>,
}

const MAX_WIDTH: f64 = 960.0;
// Both ramps stay light enough for dark text; overload (above 100%) is
// dark enough for white text. No fill falls in the unreadable middle.
const UNDER: [&str; 3] = ["#f4f8fc", "#c3d5ec", "#7da2d4"];
const OVER: [&str; 2] = ["#f9cf96", "#ee9445"];
const OVERLOAD: [&str; 2] = ["#b3321c", "#7a1410"];
const OUTLINE: &str = "#5c0f0a";

/// Above the threshold at the precision shown (whole percent), so a cell
/// printed "85%" is never marked as above 85%.
fn is_over(v: f64, threshold: f64) -> bool {
    (v * 100.0).round() > (threshold * 100.0).round() + 1e-9
}

/// Fill colour for a utilization value.
fn cell_color(v: f64, threshold: f64) -> String {
    if !is_over(v, threshold) {
        return palette::ramp(&UNDER, v / threshold.max(0.01));
    }
    if v > threshold.max(1.0) {
        palette::ramp(&OVERLOAD, (v - threshold.max(1.0)) / 0.3)
    } else {
        palette::ramp(&OVER, (v - threshold) / (1.0 - threshold))
    }
}

pub fn heat_map(h: &HeatMap) -> String {
    let threshold = if h.threshold.is_finite() && h.threshold > 0.0 { h.threshold.min(10.0) } else { 0.85 };
    let threshold_text = fmt_pct(threshold);
    let ncol = h.columns.len();
    let value =
        |r: &HeatRow, c: usize| r.values.get(c).copied().flatten().filter(|v| v.is_finite()).map(|v| v.max(0.0));

    let label_w = h.rows.iter().map(|r| text_width(&r.label, 13.0)).fold(60.0, f64::max).min(200.0) + 12.0;
    let left = 16.0 + label_w;
    let cell_w = if ncol == 0 { 60.0 } else { ((MAX_WIDTH - left - 16.0) / ncol as f64).clamp(12.0, 64.0) };
    let cell_h = if cell_w >= 36.0 { 30.0 } else { 24.0 };
    let width = (left + ncol as f64 * cell_w + 16.0).max(660.0);
    let header_h = 22.0;
    let top = 44.0 + header_h;

    // Text in cells: "92%" when it fits, "92" when only digits fit, else none.
    let (cell_font, with_pct) = if cell_w >= text_width("100%", 12.0) + 8.0 {
        (12.0, true)
    } else if cell_w >= text_width("100", 10.0) + 4.0 {
        (10.0, false)
    } else {
        (0.0, false)
    };

    let mut over = Vec::new();
    for r in &h.rows {
        for c in 0..ncol {
            if let Some(v) = value(r, c).filter(|v| is_over(*v, threshold)) {
                let col = h.columns.get(c).map(String::as_str).unwrap_or("");
                over.push(format!("{} in {} at {}", r.label.trim(), col.trim(), fmt_pct(v)));
            }
        }
    }
    let desc = if h.rows.is_empty() || ncol == 0 {
        "No utilization data.".to_string()
    } else if over.is_empty() {
        format!("{} teams over {} periods; no team is above {threshold_text}.", h.rows.len(), ncol)
    } else {
        let shown: Vec<&str> = over.iter().take(30).map(String::as_str).collect();
        let more = if over.len() > 30 { format!(" and {} more", over.len() - 30) } else { String::new() };
        format!(
            "{} teams over {} periods. {} {} above {threshold_text}: {}{more}.",
            h.rows.len(),
            ncol,
            over.len(),
            if over.len() == 1 { "cell" } else { "cells" },
            shown.join("; ")
        )
    };
    let mut svg = Svg::new("heat-map", &h.title, &desc);
    svg.heading(16.0, width - 32.0);

    // Column labels, thinned so they never overlap.
    let widest = h.columns.iter().map(|c| text_width(c, 11.0)).fold(0.0, f64::max);
    let every = ((widest + 6.0) / cell_w).ceil().max(1.0) as usize;
    for (c, label) in h.columns.iter().enumerate() {
        if c % every == 0 {
            let x = left + (c as f64 + 0.5) * cell_w;
            svg.text(
                x,
                top - 8.0,
                label,
                cell_w * every as f64 - 4.0,
                "font-size=\"11\" text-anchor=\"middle\"",
                MUTED,
            );
        }
    }

    let notch = (cell_w.min(cell_h) * 0.32).clamp(5.0, 9.0);
    for (ri, r) in h.rows.iter().enumerate() {
        let y = top + ri as f64 * cell_h;
        svg.text(
            left - 10.0,
            y + cell_h / 2.0 + 4.5,
            &r.label,
            label_w - 4.0,
            "font-size=\"13\" text-anchor=\"end\"",
            INK,
        );
        w!(svg, "<g>");
        for c in 0..ncol {
            let x = left + c as f64 * cell_w;
            let col = h.columns.get(c).map(String::as_str).unwrap_or("");
            let tip = format!("{} · {}", r.label.trim(), col.trim());
            match value(r, c) {
                None => {
                    svg.rect(
                        x + 1.0,
                        y + 1.0,
                        cell_w - 2.0,
                        cell_h - 2.0,
                        &format!("rx=\"2\" fill=\"{}\"", palette::SUBTLE),
                    );
                    w!(svg, "<title>{}: no data</title>", super::escape(&tip));
                    if cell_font > 0.0 {
                        w!(
                            svg,
                            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"middle\" fill=\"{MUTED}\" aria-hidden=\"true\">\u{2013}</text>",
                            N(x + cell_w / 2.0),
                            N(y + cell_h / 2.0 + cell_font * 0.36),
                            N(cell_font)
                        );
                    }
                }
                Some(v) => {
                    let fill = cell_color(v, threshold);
                    let is_over = is_over(v, threshold);
                    let tip = format!(
                        "{tip}: {}{}",
                        fmt_pct(v),
                        if is_over { format!(", above {threshold_text}") } else { String::new() }
                    );
                    w!(
                        svg,
                        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"2\" fill=\"{fill}\"><title>{}</title></rect>",
                        N(x + 1.0),
                        N(y + 1.0),
                        N(cell_w - 2.0),
                        N(cell_h - 2.0),
                        super::escape(&tip)
                    );
                    if is_over {
                        svg.rect(
                            x + 2.0,
                            y + 2.0,
                            cell_w - 4.0,
                            cell_h - 4.0,
                            &format!(
                                "rx=\"1.5\" fill=\"none\" stroke=\"{OUTLINE}\" stroke-width=\"2\" aria-hidden=\"true\""
                            ),
                        );
                        w!(
                            svg,
                            "<path d=\"M{} {}h{}v{}z\" fill=\"{OUTLINE}\" aria-hidden=\"true\"/>",
                            N(x + cell_w - 2.0 - notch),
                            N(y + 2.0),
                            N(notch),
                            N(notch)
                        );
                    }
                    if cell_font > 0.0 {
                        let pct = (v * 100.0).round();
                        let text = if pct > 999.0 {
                            ">999".to_string()
                        } else if with_pct {
                            format!("{pct}%")
                        } else {
                            format!("{pct}")
                        };
                        let (text, _) = fit(&text, cell_w - 4.0, cell_font);
                        w!(
                            svg,
                            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" font-weight=\"{}\" text-anchor=\"middle\" fill=\"{}\" aria-hidden=\"true\">{}</text>",
                            N(x + cell_w / 2.0),
                            N(y + cell_h / 2.0 + cell_font * 0.36),
                            N(cell_font),
                            if is_over { 700 } else { 400 },
                            palette::text_on(&fill),
                            super::escape(&text)
                        );
                    }
                }
            }
        }
        w!(svg, "</g>");
    }
    if h.rows.is_empty() || ncol == 0 {
        svg.text(16.0, top + 20.0, "No utilization data", 300.0, "font-size=\"13\"", MUTED);
    }

    // Legend: the ramp with the threshold marked, then the swatches.
    let rows_h = if h.rows.is_empty() || ncol == 0 { 30.0 } else { h.rows.len() as f64 * cell_h };
    let ly = top + rows_h + 24.0;
    let lx = 16.0;
    let max_v = 1.3_f64.max(threshold + 0.15);
    let ramp_w = 3.0 * 100.0 * max_v;
    let steps = (max_v * 40.0).round() as usize;
    w!(svg, "<g aria-label=\"Legend\">");
    for i in 0..steps {
        let v = (i as f64 + 0.5) / steps as f64 * max_v;
        svg.rect(
            lx + i as f64 * ramp_w / steps as f64,
            ly,
            ramp_w / steps as f64 + 0.5,
            12.0,
            &format!("fill=\"{}\"", cell_color(v, threshold)),
        );
    }
    let scale = |v: f64| lx + v / max_v * ramp_w;
    for v in [0.0, 0.25, 0.5, 0.75, 1.0, 1.25] {
        if (scale(v) - scale(threshold)).abs() > 36.0 && v < max_v {
            let anchor = if v == 0.0 { "start" } else { "middle" };
            svg.line(scale(v), ly + 12.0, scale(v), ly + 16.0, &format!("stroke=\"{}\"", MUTED));
            svg.text(
                scale(v),
                ly + 28.0,
                &fmt_pct(v),
                40.0,
                &format!("font-size=\"11\" text-anchor=\"{anchor}\""),
                MUTED,
            );
        }
    }
    let tx = scale(threshold);
    svg.line(tx, ly - 4.0, tx, ly + 17.0, &format!("stroke=\"{INK}\" stroke-width=\"2\""));
    svg.text(tx, ly + 28.0, &threshold_text, 40.0, "font-size=\"11\" font-weight=\"700\" text-anchor=\"middle\"", INK);
    svg.text(lx + ramp_w + 12.0, ly + 10.0, "Utilization", 120.0, "font-size=\"12\"", MUTED);

    let sy = ly + 44.0;
    let mut sx = lx;
    let swatch_over = cell_color(threshold + 0.05, threshold).to_string();
    svg.rect(sx, sy - 4.0, 30.0, 20.0, &format!("rx=\"2\" fill=\"{swatch_over}\""));
    svg.rect(
        sx + 1.0,
        sy - 3.0,
        28.0,
        18.0,
        &format!("rx=\"1.5\" fill=\"none\" stroke=\"{OUTLINE}\" stroke-width=\"2\""),
    );
    w!(svg, "<path d=\"M{} {}h7v7z\" fill=\"{OUTLINE}\"/>", N(sx + 22.0), N(sy - 3.0));
    let over_label = format!("Above {threshold_text}: outlined, corner mark, bold value");
    svg.text(sx + 38.0, sy + 10.0, &over_label, 320.0, "font-size=\"12\"", INK);
    sx += 38.0 + text_width(&over_label, 12.0).min(320.0) + 24.0;
    if threshold < 1.0 {
        svg.rect(sx, sy - 4.0, 30.0, 20.0, &format!("rx=\"2\" fill=\"{}\"", cell_color(1.1, threshold)));
        svg.text(sx + 38.0, sy + 10.0, "Above 100%: overloaded", 200.0, "font-size=\"12\"", INK);
        sx += 38.0 + text_width("Above 100%: overloaded", 12.0) + 24.0;
    }
    let (sx, sy) = if sx + 120.0 > width { (lx, sy + 28.0) } else { (sx, sy) };
    svg.rect(sx, sy - 4.0, 30.0, 20.0, &format!("rx=\"2\" fill=\"{}\" stroke=\"{}\"", palette::SUBTLE, palette::GRID));
    svg.text(sx + 38.0, sy + 10.0, "No data", 80.0, "font-size=\"12\"", INK);
    w!(svg, "</g>");
    let ly = sy;
    let mut height = ly + 30.0;
    if cell_font == 0.0 && ncol > 0 {
        svg.text(
            16.0,
            height + 6.0,
            "Cells too narrow for numbers; hover a cell for its value.",
            width - 32.0,
            "font-size=\"11\"",
            MUTED,
        );
        height += 18.0;
    } else if !with_pct && ncol > 0 {
        svg.text(16.0, height + 6.0, "Cell values are percentages.", width - 32.0, "font-size=\"11\"", MUTED);
        height += 18.0;
    }
    svg.finish(width, height + 4.0)
}

#[cfg(test)]
mod tests {
    use super::super::check::assert_valid;
    use super::*;

    fn sample() -> HeatMap {
        HeatMap {
            title: "Utilization per team".into(),
            columns: vec!["Jan".into(), "Feb".into(), "Mar".into()],
            rows: vec![
                HeatRow { label: "Payments".into(), values: vec![Some(0.62), Some(0.91), Some(0.8)] },
                HeatRow { label: "Search & Discovery".into(), values: vec![Some(0.4), None, Some(1.12)] },
            ],
            threshold: 0.85,
        }
    }

    #[test]
    fn values_threshold_and_labels_are_drawn() {
        let svg = heat_map(&sample());
        assert_valid(&svg);
        for s in ["Payments", "Search &amp; Discovery", "Jan", "91%", "112%", "62%", "Above 85%", "no data"] {
            assert!(svg.contains(s), "missing {s}");
        }
        assert_eq!(svg.matches(&format!("stroke=\"{OUTLINE}\"")).count(), 3, "two cells and the legend swatch");
        let edge = heat_map(&HeatMap {
            rows: vec![HeatRow { label: "t".into(), values: vec![Some(0.85 + 1e-12), Some(0.854), Some(0.856)] }],
            ..sample()
        });
        assert!(edge.contains("1 cell above 85%: t in Mar at 86%"), "85% printed is not above 85%");
        assert!(svg.contains("2 cells above 85%: Payments in Feb at 91%; Search &amp; Discovery in Mar at 112%"));
    }

    #[test]
    fn cell_text_is_readable_on_every_fill() {
        for i in 0..=150 {
            let c = cell_color(i as f64 / 100.0, 0.85);
            assert!(palette::contrast(&c, palette::text_on(&c)) >= 4.5, "text on {c} at {i}%");
        }
    }

    #[test]
    fn many_weeks_thin_labels_and_values() {
        let columns: Vec<String> = (1..=52).map(|w| format!("W{w}")).collect();
        let rows = (0..12)
            .map(|t| HeatRow {
                label: format!("Team {t}"),
                values: (0..52).map(|w| Some(((t * 7 + w * 3) % 120) as f64 / 100.0)).collect(),
            })
            .collect();
        let svg = heat_map(&HeatMap { title: "Weekly".into(), columns, rows, threshold: 0.85 });
        assert_valid(&svg);
        assert!(svg.contains("hover a cell") || svg.contains("percentages"));
    }

    #[test]
    fn degenerate_inputs_never_panic() {
        let long = "A team name so long that it could never fit in the label column <&>".to_string();
        let cases = vec![
            HeatMap { title: String::new(), columns: vec![], rows: vec![], threshold: 0.85 },
            HeatMap { title: "x".into(), columns: vec!["Jan".into()], rows: vec![], threshold: f64::NAN },
            HeatMap {
                title: "x".into(),
                columns: vec![],
                rows: vec![HeatRow { label: "a".into(), values: vec![Some(1.0)] }],
                threshold: 0.0,
            },
            HeatMap {
                title: "x".into(),
                columns: vec![long.clone(), "Feb".into()],
                rows: vec![HeatRow {
                    label: long,
                    values: vec![Some(f64::NAN), Some(f64::INFINITY), Some(-3.0), Some(1e300)],
                }],
                threshold: 1e300,
            },
            HeatMap {
                title: "x".into(),
                columns: (0..400).map(|i| i.to_string()).collect(),
                rows: vec![HeatRow { label: "z".into(), values: vec![Some(0.0); 3] }],
                threshold: 0.85,
            },
        ];
        for h in cases {
            assert_valid(&heat_map(&h));
        }
    }
}
