//! A key result over time: the plan line from baseline to target, the
//! target level, the check-ins as a line with points, and (when any
//! check-in has one) confidence in a small panel below. Works for metrics
//! that should go down as well as up.

use super::date::Date;
use super::palette::{self, AXIS, GRID, INK, MUTED};
use super::scale::{Linear, nice_ticks};
use super::svg::{N, Svg, fmt_pct, fmt_value, w};

#[derive(Clone, Debug, PartialEq)]
pub struct BurnUp {
    pub title: String,
    /// Appended to values: `%`, ` ms`, ` NPS`. Keep it short.
    pub unit: String,
    pub baseline: f64,
    pub target: f64,
    /// When the key result starts (baseline) and is due (target).
    pub start: Date,
    pub end: Date,
    /// In any order; sorted by date for drawing.
    pub checkins: Vec<CheckIn>,
    pub today: Option<Date>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CheckIn {
    pub date: Date,
    pub value: f64,
    /// 0..=1, as recorded with the check-in.
    pub confidence: Option<f64>,
}

const WIDTH: f64 = 760.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 28.0;
const MAIN_TOP: f64 = 96.0;
const MAIN_H: f64 = 230.0;
const CONF_H: f64 = 64.0;
/// Space between the main plot and the confidence panel.
const CONF_GAP: f64 = 34.0;

pub fn burn_up(b: &BurnUp) -> String {
    let baseline = if b.baseline.is_finite() { b.baseline } else { 0.0 };
    let target = if b.target.is_finite() { b.target } else { baseline };
    let increasing = target >= baseline;
    let mut points: Vec<CheckIn> = b.checkins.iter().copied().filter(|c| c.value.is_finite()).collect();
    points.sort_by_key(|c| c.date);
    let unit = b.unit.trim_end();
    let fmt = |v: f64| {
        let sep = if unit.starts_with(|c: char| c.is_alphanumeric()) && unit != "%" { " " } else { "" };
        format!("{}{sep}{unit}", fmt_value(v))
    };

    // Time domain: start..end widened to every check-in and today.
    let (start, end) = if b.start <= b.end { (b.start, b.end) } else { (b.end, b.start) };
    let mut d0 = start.days();
    let mut d1 = end.days();
    for c in &points {
        d0 = d0.min(c.date.days());
        d1 = d1.max(c.date.days());
    }
    if let Some(t) = b.today {
        // Only widen for a today near the window, not one years away.
        if t.days() >= d0 - 28 && t.days() <= d1 + 28 {
            d0 = d0.min(t.days());
            d1 = d1.max(t.days());
        }
    }
    if d1 - d0 < 7 {
        d0 -= 3;
        d1 = d0 + 7;
    }
    let plot_w = WIDTH - LEFT - RIGHT;
    let x = Linear::new(d0 as f64, d1 as f64, LEFT, LEFT + plot_w);

    // Value domain: baseline, target and every value, on nice ticks.
    let (mut lo, mut hi) = (baseline.min(target), baseline.max(target));
    for c in &points {
        lo = lo.min(c.value);
        hi = hi.max(c.value);
    }
    let ticks = nice_ticks(lo, hi, 6);
    let y = Linear::new(ticks.first(), ticks.last(), MAIN_TOP + MAIN_H, MAIN_TOP);
    let has_conf = points.iter().any(|c| c.confidence.is_some_and(f64::is_finite));
    let latest = points.last().copied();

    let direction = if increasing { "higher is better" } else { "lower is better" };
    let mut desc =
        format!("From {} on {} to {} by {} ({direction}).", fmt(baseline), start.iso(), fmt(target), end.iso());
    match latest {
        Some(l) => {
            desc.push_str(&format!(" {} check-ins; latest {} on {}", points.len(), fmt(l.value), l.date.iso()));
            if let Some(p) = progress(baseline, target, l.value) {
                desc.push_str(&format!(", {} of the way", fmt_pct(p)));
            }
            if let Some(c) = l.confidence.filter(|c| c.is_finite()) {
                desc.push_str(&format!(", confidence {}", fmt_pct(c.clamp(0.0, 1.0))));
            }
            desc.push('.');
        }
        None => desc.push_str(" No check-ins yet."),
    }
    let mut svg = Svg::new("burn-up", &b.title, &desc);
    svg.heading(16.0, WIDTH - 32.0);

    // Summary line under the heading.
    let summary = match latest {
        Some(l) => {
            let mut s = format!("Latest {} · target {}", fmt(l.value), fmt(target));
            if let Some(p) = progress(baseline, target, l.value) {
                s.push_str(&format!(" · {} of the way", fmt_pct(p)));
            }
            s.push_str(&format!(" · {direction}"));
            s
        }
        None => format!("No check-ins yet · target {} · {direction}", fmt(target)),
    };
    svg.text(16.0, 44.0, &summary, WIDTH - 32.0, "font-size=\"12\"", MUTED);

    // Legend.
    let actual_color = palette::PRIMARY;
    let plan_color = "#7b8794";
    let target_color = palette::GOOD;
    let ly = 66.0;
    let mut lx = LEFT;
    let mut legend_item = |svg: &mut Svg, line: &str, label: &str| {
        w!(
            svg,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" {line}/>",
            N(lx),
            N(ly - 4.0),
            N(lx + 22.0),
            N(ly - 4.0)
        );
        let wdt = super::svg::text_width(label, 12.0);
        svg.text(lx + 28.0, ly, label, 260.0, "font-size=\"12\"", INK);
        lx += 28.0 + wdt.min(260.0) + 22.0;
    };
    legend_item(&mut svg, &format!("stroke=\"{actual_color}\" stroke-width=\"2.5\""), "Actual");
    legend_item(
        &mut svg,
        &format!("stroke=\"{plan_color}\" stroke-width=\"2\" stroke-dasharray=\"6 4\""),
        "Plan (baseline to target)",
    );
    legend_item(
        &mut svg,
        &format!("stroke=\"{target_color}\" stroke-width=\"2\" stroke-dasharray=\"2 3\""),
        &format!("Target {}", fmt(target)),
    );
    if b.today.is_some() {
        legend_item(&mut svg, &format!("stroke=\"{}\" stroke-width=\"1.5\"", palette::BAD), "Today");
    }

    // Gridlines and y labels.
    w!(svg, "<g aria-hidden=\"true\">");
    for v in &ticks.values {
        let yy = y.map(*v);
        svg.line(LEFT, yy, LEFT + plot_w, yy, &format!("stroke=\"{GRID}\""));
        svg.text(LEFT - 8.0, yy + 4.0, &ticks.label(*v), LEFT - 12.0, "font-size=\"11\" text-anchor=\"end\"", MUTED);
    }
    let bottom = MAIN_TOP + MAIN_H + if has_conf { CONF_H + CONF_GAP } else { 0.0 };
    for (day, label) in week_ticks(d0, d1, plot_w) {
        let xx = x.map(day as f64);
        svg.line(xx, MAIN_TOP, xx, bottom, &format!("stroke=\"{GRID}\""));
        svg.line(xx, bottom, xx, bottom + 4.0, &format!("stroke=\"{AXIS}\""));
        let anchor = if xx < LEFT + 20.0 {
            "start"
        } else if xx > LEFT + plot_w - 20.0 {
            "end"
        } else {
            "middle"
        };
        svg.text(xx, bottom + 17.0, &label, 60.0, &format!("font-size=\"11\" text-anchor=\"{anchor}\""), MUTED);
    }
    svg.line(LEFT, MAIN_TOP + MAIN_H, LEFT + plot_w, MAIN_TOP + MAIN_H, &format!("stroke=\"{AXIS}\""));
    if !unit.is_empty() {
        svg.text(LEFT - 8.0, MAIN_TOP - 10.0, unit.trim(), LEFT - 12.0, "font-size=\"11\" text-anchor=\"end\"", MUTED);
    }
    w!(svg, "</g>");

    // Target level and plan line.
    let ty = y.map(target);
    svg.line(
        LEFT,
        ty,
        LEFT + plot_w,
        ty,
        &format!("stroke=\"{target_color}\" stroke-width=\"2\" stroke-dasharray=\"2 3\" aria-hidden=\"true\""),
    );
    svg.line(
        x.map(start.days() as f64),
        y.map(baseline),
        x.map(end.days() as f64),
        ty,
        &format!("stroke=\"{plan_color}\" stroke-width=\"2\" stroke-dasharray=\"6 4\" aria-hidden=\"true\""),
    );

    if let Some(t) = b.today {
        let tx = x.map_clamped(t.days() as f64);
        svg.line(
            tx,
            MAIN_TOP - 4.0,
            tx,
            bottom,
            &format!("stroke=\"{}\" stroke-width=\"1.5\" aria-hidden=\"true\"", palette::BAD),
        );
    }

    // Actual values.
    if !points.is_empty() {
        let path: Vec<String> =
            points.iter().map(|c| format!("{} {}", N(x.map(c.date.days() as f64)), N(y.map(c.value)))).collect();
        w!(
            svg,
            "<path d=\"M{}\" fill=\"none\" stroke=\"{actual_color}\" stroke-width=\"2.5\" stroke-linejoin=\"round\" stroke-linecap=\"round\" aria-hidden=\"true\"/>",
            path.join("L")
        );
        w!(svg, "<g aria-label=\"Check-ins\">");
        for c in &points {
            let conf = c
                .confidence
                .filter(|c| c.is_finite())
                .map(|c| format!(", confidence {}", fmt_pct(c.clamp(0.0, 1.0))))
                .unwrap_or_default();
            w!(
                svg,
                "<circle cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"{actual_color}\" stroke=\"#ffffff\" stroke-width=\"1.5\"><title>{}: {}{}</title></circle>",
                N(x.map(c.date.days() as f64)),
                N(y.map(c.value)),
                c.date.short(),
                super::escape(&fmt(c.value)),
                conf
            );
        }
        w!(svg, "</g>");
        if let Some(l) = latest {
            // Label the latest value on the side away from the plot edge.
            let lx = x.map(l.date.days() as f64);
            let ly = y.map(l.value);
            let above = ly - MAIN_TOP > 24.0;
            let anchor = if lx > LEFT + plot_w - 40.0 {
                "end"
            } else if lx < LEFT + 40.0 {
                "start"
            } else {
                "middle"
            };
            let label = fmt(l.value);
            let attrs = format!("font-size=\"12\" font-weight=\"700\" text-anchor=\"{anchor}\" {}", super::svg::HALO);
            svg.text(lx, if above { ly - 10.0 } else { ly + 20.0 }, &label, 160.0, &attrs, actual_color);
        }
    } else {
        svg.text(
            LEFT + plot_w / 2.0,
            MAIN_TOP + MAIN_H / 2.0,
            "No check-ins yet",
            200.0,
            "font-size=\"13\" text-anchor=\"middle\"",
            MUTED,
        );
    }

    // Confidence panel.
    if has_conf {
        let top = MAIN_TOP + MAIN_H + CONF_GAP;
        let cy = Linear::new(0.0, 1.0, top + CONF_H, top);
        w!(svg, "<g aria-label=\"Confidence\">");
        for v in [0.0, 0.5, 1.0] {
            svg.line(LEFT, cy.map(v), LEFT + plot_w, cy.map(v), &format!("stroke=\"{GRID}\" aria-hidden=\"true\""));
            svg.text(
                LEFT - 8.0,
                cy.map(v) + 4.0,
                &fmt_pct(v),
                LEFT - 12.0,
                "font-size=\"11\" text-anchor=\"end\"",
                MUTED,
            );
        }
        svg.text(
            LEFT,
            top - 10.0,
            "Confidence (high \u{2265} 70%, low < 40%)",
            300.0,
            "font-size=\"11\" font-weight=\"600\"",
            MUTED,
        );
        let conf: Vec<(f64, f64)> = points
            .iter()
            .filter_map(|c| {
                c.confidence.filter(|v| v.is_finite()).map(|v| (x.map(c.date.days() as f64), cy.map(v.clamp(0.0, 1.0))))
            })
            .collect();
        let path: Vec<String> = conf.iter().map(|(a, b)| format!("{} {}", N(*a), N(*b))).collect();
        w!(
            svg,
            "<path d=\"M{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" aria-hidden=\"true\"/>",
            path.join("L"),
            palette::VIOLET
        );
        for c in &points {
            if let Some(v) = c.confidence.filter(|v| v.is_finite()) {
                let v = v.clamp(0.0, 1.0);
                let (fill, word) = if v >= 0.7 {
                    (palette::GOOD, "high")
                } else if v >= 0.4 {
                    ("#d17f12", "medium")
                } else {
                    (palette::BAD, "low")
                };
                w!(
                    svg,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{fill}\" stroke=\"#ffffff\" stroke-width=\"1\"><title>{}: confidence {} ({word})</title></circle>",
                    N(x.map(c.date.days() as f64)),
                    N(cy.map(v)),
                    c.date.short(),
                    fmt_pct(v)
                );
            }
        }
        w!(svg, "</g>");
    }
    svg.finish(WIDTH, bottom + 30.0)
}

/// Share of the way from baseline to target, if the two differ.
fn progress(baseline: f64, target: f64, value: f64) -> Option<f64> {
    let span = target - baseline;
    if span.abs() < 1e-12 || !span.is_finite() {
        return None;
    }
    let p = (value - baseline) / span;
    p.is_finite().then(|| p.clamp(0.0, 1.0))
}

/// Mondays between `d0` and `d1` (days), every n-th week so that labels are
/// at least 64 px apart; at most about a dozen labels.
pub(crate) fn week_ticks(d0: i64, d1: i64, plot_w: f64) -> Vec<(i64, String)> {
    let weeks = ((d1 - d0) as f64 / 7.0).max(1.0);
    let max_labels = (plot_w / 64.0).floor().max(2.0);
    let every = (weeks / max_labels).ceil().max(1.0) as i64;
    let first = Date::from_days(d0);
    let monday = first.add_days((7 - first.weekday() as i64) % 7);
    let mut out = Vec::new();
    let mut day = monday.days();
    while day <= d1 && out.len() < 60 {
        out.push((day, Date::from_days(day).short()));
        day += 7 * every;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::check::assert_valid;
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date::from_ymd(y, m, day).unwrap()
    }

    fn weekly(start: Date, values: &[f64]) -> Vec<CheckIn> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| CheckIn {
                date: start.add_days(7 * i as i64),
                value: *v,
                confidence: Some(0.9 - i as f64 * 0.05),
            })
            .collect()
    }

    #[test]
    fn increasing_metric() {
        let b = BurnUp {
            title: "Weekly active teams".into(),
            unit: "teams".into(),
            baseline: 12.0,
            target: 40.0,
            start: d(2026, 1, 5),
            end: d(2026, 3, 30),
            checkins: weekly(d(2026, 1, 12), &[13.0, 15.0, 19.0, 22.0, 24.0]),
            today: Some(d(2026, 2, 11)),
        };
        let svg = burn_up(&b);
        assert_valid(&svg);
        for s in ["Target 40 teams", "Latest 24 teams", "higher is better", "Confidence", "12 Jan", "Today", "43%"] {
            assert!(svg.contains(s), "missing {s}");
        }
    }

    #[test]
    fn decreasing_metric() {
        let b = BurnUp {
            title: "p95 checkout latency".into(),
            unit: "ms".into(),
            baseline: 420.0,
            target: 250.0,
            start: d(2026, 1, 5),
            end: d(2026, 3, 30),
            checkins: weekly(d(2026, 1, 12), &[410.0, 395.0, 380.0]),
            today: None,
        };
        let svg = burn_up(&b);
        assert_valid(&svg);
        assert!(svg.contains("lower is better") && svg.contains("Target 250 ms") && svg.contains("24% of the way"));
    }

    #[test]
    fn week_ticks_are_mondays_and_thinned() {
        let ticks = week_ticks(d(2026, 1, 1).days(), d(2026, 12, 31).days(), 660.0);
        assert!(ticks.len() <= 11 && ticks.len() >= 5, "{}", ticks.len());
        assert!(ticks.iter().all(|(day, _)| Date::from_days(*day).weekday() == 0));
        assert_eq!(ticks[0].1, "5 Jan");
    }

    #[test]
    fn degenerate_inputs_never_panic() {
        let base = BurnUp {
            title: "<KR> & \"quotes\"".into(),
            unit: "%".into(),
            baseline: 0.0,
            target: 0.0,
            start: d(2026, 1, 1),
            end: d(2026, 1, 1),
            checkins: vec![],
            today: None,
        };
        let mut cases = vec![base.clone()];
        let mut one = base.clone();
        one.checkins = vec![CheckIn { date: d(2026, 1, 1), value: 5.0, confidence: Some(f64::NAN) }];
        cases.push(one);
        let mut nan = base.clone();
        nan.baseline = f64::NAN;
        nan.target = f64::INFINITY;
        nan.checkins = vec![
            CheckIn { date: d(2026, 1, 8), value: f64::NAN, confidence: Some(7.0) },
            CheckIn { date: d(2026, 1, 15), value: 1e300, confidence: Some(-1.0) },
            CheckIn { date: d(2026, 1, 15), value: -1e300, confidence: None },
        ];
        cases.push(nan);
        let mut reversed = base.clone();
        reversed.start = d(2030, 1, 1);
        reversed.today = Some(Date::from_days(i64::MIN));
        reversed.checkins = weekly(Date::from_days(i64::MAX), &[1.0, 2.0]);
        cases.push(reversed);
        for b in cases {
            assert_valid(&burn_up(&b));
        }
    }
}
