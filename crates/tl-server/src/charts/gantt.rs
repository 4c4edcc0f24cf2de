//! A roadmap: rows grouped by initiative, the planned bar from start to
//! finish, a forecast band under it (to P50, then P50 to P85, two shades),
//! critical items highlighted, due dates as diamonds, dependency arrows, a
//! today line and a month axis.

use std::collections::HashMap;

use super::date::Date;
use super::palette::{self, AXIS, GRID, INK, MUTED};
use super::scale::Linear;
use super::svg::{N, Svg, text_width, w};

#[derive(Clone, Debug, PartialEq)]
pub struct Gantt {
    pub title: String,
    pub groups: Vec<GanttGroup>,
    /// Finish-to-start dependencies between item ids; links naming unknown
    /// ids are skipped.
    pub links: Vec<GanttLink>,
    pub today: Option<Date>,
}

/// An initiative and its milestones.
#[derive(Clone, Debug, PartialEq)]
pub struct GanttGroup {
    pub label: String,
    pub items: Vec<GanttItem>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GanttItem {
    pub id: String,
    pub label: String,
    pub start: Date,
    /// Planned finish (inclusive: the bar covers the finish day).
    pub finish: Date,
    /// Forecast finish dates.
    pub p50: Option<Date>,
    pub p85: Option<Date>,
    pub due: Option<Date>,
    /// On the (resource-constrained) critical path.
    pub critical: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GanttLink {
    pub from: String,
    pub to: String,
}

const WIDTH: f64 = 980.0;
const LABEL_W: f64 = 230.0;
const PLOT_L: f64 = 16.0 + LABEL_W + 8.0;
const PLOT_R: f64 = WIDTH - 20.0;
const GROUP_H: f64 = 26.0;
const ITEM_H: f64 = 32.0;
const AXIS_TOP: f64 = 76.0;

const PLAN: &str = "#2f62a3";
const CRITICAL: &str = "#c2410c";
const CRITICAL_EDGE: &str = "#6b1f05";
const P50: &str = "#7e9cc7";
const P85: &str = "#c9d6ea";
const LINK: &str = "#5b6b7d";

pub fn gantt(g: &Gantt) -> String {
    let items: Vec<&GanttItem> = g.groups.iter().flat_map(|gr| gr.items.iter()).collect();
    let span = |it: &GanttItem| {
        let (s, f) = if it.start <= it.finish { (it.start, it.finish) } else { (it.finish, it.start) };
        (s, f.add_days(1))
    };

    // Domain: whole months around everything drawn.
    let mut lo: Option<Date> = None;
    let mut hi: Option<Date> = None;
    let mut widen = |d: Date| {
        lo = Some(lo.map_or(d, |l| l.min(d)));
        hi = Some(hi.map_or(d, |h| h.max(d)));
    };
    for it in &items {
        let (s, f) = span(it);
        widen(s);
        widen(f);
        for d in [it.p50, it.p85, it.due].into_iter().flatten() {
            widen(d.add_days(1));
        }
    }
    let (lo, hi) = match (lo, hi, g.today) {
        (Some(l), Some(h), Some(t)) if t.days() >= l.days() - 62 && t.days() <= h.days() + 62 => {
            (l.min(t), h.max(t.add_days(1)))
        }
        (Some(l), Some(h), _) => (l, h),
        (None, _, Some(t)) => (t, t.add_days(1)),
        _ => (Date::from_days(0), Date::from_days(1)),
    };
    let d0 = lo.month_start();
    let months_total = {
        let (y0, m0, _) = d0.ymd();
        let (y1, m1, _) = hi.add_days(-1).ymd();
        ((y1 - y0) as i64 * 12 + m1 as i64 - m0 as i64 + 1).max(1)
    };
    let d1 = d0.add_months(months_total);
    let x = Linear::new(d0.days() as f64, d1.days() as f64, PLOT_L, PLOT_R);
    let xd = |d: Date| x.map_clamped(d.days() as f64);

    // Rows.
    let mut y = AXIS_TOP + 30.0;
    let mut rows: Vec<(f64, Option<&GanttItem>, &str)> = Vec::new(); // (top, item, group label)
    for gr in &g.groups {
        rows.push((y, None, gr.label.as_str()));
        y += GROUP_H;
        for it in &gr.items {
            rows.push((y, Some(it), ""));
            y += ITEM_H;
        }
    }
    let rows_bottom = y.max(AXIS_TOP + 60.0);
    let bar_mid: HashMap<&str, (f64, &GanttItem)> =
        rows.iter().filter_map(|(top, it, _)| it.map(|it| (it.id.as_str(), (top + 11.0, it)))).collect();

    let late: Vec<String> = items
        .iter()
        .filter_map(|it| match due_state(it) {
            DueState::Late => {
                Some(format!("{} (due {}, finishes {})", it.label.trim(), it.due?.iso(), it.finish.iso()))
            }
            _ => None,
        })
        .collect();
    let at_risk: Vec<String> = items
        .iter()
        .filter_map(|it| match due_state(it) {
            DueState::AtRisk => Some(format!("{} (due {}, P85 {})", it.label.trim(), it.due?.iso(), it.p85?.iso())),
            _ => None,
        })
        .collect();
    let critical: Vec<&str> = items.iter().filter(|it| it.critical).map(|it| it.label.trim()).collect();
    let mut desc = format!(
        "{} initiatives, {} items from {} to {}.",
        g.groups.len(),
        items.len(),
        lo.iso(),
        hi.add_days(-1).iso()
    );
    if !critical.is_empty() {
        desc.push_str(&format!(" Critical path: {}.", critical.join(", ")));
    }
    if !late.is_empty() {
        desc.push_str(&format!(" Late: {}.", late.join("; ")));
    }
    if !at_risk.is_empty() {
        desc.push_str(&format!(" At risk (P85 after due date): {}.", at_risk.join("; ")));
    }
    if let Some(t) = g.today {
        desc.push_str(&format!(" Today is {}.", t.iso()));
    }
    let mut svg = Svg::new("gantt", &g.title, &desc);
    svg.heading(16.0, WIDTH - 32.0);
    let arrow = svg.arrow_marker("arrow", LINK);
    let arrow_crit = svg.arrow_marker("arrow-crit", CRITICAL_EDGE);
    legend(&mut svg, g.today.is_some());

    // Group bands.
    for (top, it, label) in &rows {
        if it.is_none() {
            svg.rect(0.0, *top, WIDTH, GROUP_H, &format!("fill=\"{}\"", palette::SUBTLE));
            svg.text(16.0, top + 17.0, label, WIDTH - 32.0, "font-size=\"13\" font-weight=\"700\"", INK);
        }
    }

    // Month axis and gridlines; thinned when months are narrow.
    let month_w = (PLOT_R - PLOT_L) / months_total as f64;
    let every = [1, 2, 3, 6, 12, 24, 60, 120, 600, 1200, 6000, 12000, 60000, 120000, 240000]
        .into_iter()
        .find(|k| month_w * *k as f64 >= 44.0)
        .unwrap_or(240000);
    w!(svg, "<g aria-hidden=\"true\">");
    let mut m = 0;
    let mut last_year = None;
    while m <= months_total {
        let d = d0.add_months(m);
        let xx = xd(d);
        let yy = d.ymd().0;
        svg.line(
            xx,
            AXIS_TOP + 4.0,
            xx,
            rows_bottom,
            &format!("stroke=\"{}\"", if d.ymd().1 == 1 { AXIS } else { GRID }),
        );
        if m < months_total {
            let label = if last_year != Some(yy) || d.ymd().1 == 1 {
                format!("{} {yy}", d.month_name())
            } else {
                d.month_name().to_string()
            };
            last_year = Some(yy);
            let cell = (xd(d0.add_months(m + every)) - xx).max(10.0);
            svg.text(
                xx + cell / 2.0,
                AXIS_TOP + 20.0,
                &label,
                cell - 4.0,
                "font-size=\"11\" text-anchor=\"middle\"",
                MUTED,
            );
        }
        m += every;
    }
    svg.line(PLOT_L, AXIS_TOP + 28.0, PLOT_R, AXIS_TOP + 28.0, &format!("stroke=\"{AXIS}\""));
    w!(svg, "</g>");

    // Dependency arrows, under the bars.
    w!(svg, "<g fill=\"none\" stroke-width=\"1.3\" aria-label=\"Dependencies\">");
    for l in &g.links {
        let (Some((y1, a)), Some((y2, b))) = (bar_mid.get(l.from.as_str()), bar_mid.get(l.to.as_str())) else {
            continue;
        };
        if l.from == l.to {
            continue;
        }
        let x1 = xd(span(a).1);
        let x2 = xd(span(b).0);
        let crit = a.critical && b.critical;
        let (color, marker) = if crit { (CRITICAL_EDGE, &arrow_crit) } else { (LINK, &arrow) };
        let path = if x2 - x1 >= 12.0 {
            format!("M{} {}H{}V{}H{}", N(x1), N(*y1), N(x1 + 6.0), N(*y2), N(x2 - 1.0))
        } else {
            // Successor starts before the predecessor ends: go round.
            let between = if y2 > y1 { y2 - 15.0 } else { y2 + 15.0 };
            format!("M{} {}h6V{}H{}V{}H{}", N(x1), N(*y1), N(between), N(x2 - 8.0), N(*y2), N(x2 - 1.0))
        };
        w!(
            svg,
            "<path d=\"{path}\" stroke=\"{color}\" marker-end=\"url(#{marker})\"><title>{} before {}</title></path>",
            super::escape(a.label.trim()),
            super::escape(b.label.trim())
        );
    }
    w!(svg, "</g>");

    // Items.
    for (top, it, _) in &rows {
        let Some(it) = it else { continue };
        let (s, f) = span(it);
        let (xs, xf) = (xd(s), xd(f).max(xd(s) + 2.0));
        let state = due_state(it);
        let weight = if it.critical { " font-weight=\"700\"" } else { "" };
        let (badge, badge_color) = match state {
            DueState::Late => ("late", palette::BAD),
            DueState::AtRisk => ("at risk", palette::WARN),
            DueState::Fine => ("", INK),
        };
        let badge_w = if badge.is_empty() { 0.0 } else { text_width(badge, 11.0) * super::svg::BOLD + 8.0 };
        svg.text(30.0, top + 15.0, &it.label, LABEL_W - 14.0 - badge_w, &format!("font-size=\"12\"{weight}"), INK);
        if !badge.is_empty() {
            svg.text(
                16.0 + LABEL_W,
                top + 15.0,
                badge,
                badge_w,
                "font-size=\"11\" font-weight=\"700\" text-anchor=\"end\"",
                badge_color,
            );
        }
        let mut tip = format!("{}: {} to {}", it.label.trim(), s.iso(), it.finish.max(it.start).iso());
        if let Some(p) = it.p50 {
            tip.push_str(&format!(", P50 {}", p.iso()));
        }
        if let Some(p) = it.p85 {
            tip.push_str(&format!(", P85 {}", p.iso()));
        }
        if let Some(d) = it.due {
            tip.push_str(&format!(", due {}", d.iso()));
        }
        if it.critical {
            tip.push_str(", critical");
        }
        match state {
            DueState::Late => tip.push_str(", late"),
            DueState::AtRisk => tip.push_str(", at risk: P85 after the due date"),
            DueState::Fine => {}
        }
        w!(svg, "<g><title>{}</title>", super::escape(&tip));
        // Forecast band under the plan bar.
        let band_y = top + 21.0;
        if let Some(p50) = it.p50 {
            svg.rect(xs, band_y, (xd(p50.add_days(1)) - xs).max(1.0), 6.0, &format!("fill=\"{P50}\""));
        }
        if let Some(p85) = it.p85 {
            let from = it.p50.map_or(xs, |p| xd(p.add_days(1)));
            if p85 >= it.p50.unwrap_or(p85) {
                svg.rect(from, band_y, (xd(p85.add_days(1)) - from).max(1.0), 6.0, &format!("fill=\"{P85}\""));
            }
        }
        let (fill, stroke) = if it.critical {
            (CRITICAL, format!(" stroke=\"{CRITICAL_EDGE}\" stroke-width=\"1.5\""))
        } else {
            (PLAN, String::new())
        };
        svg.rect(xs, top + 5.0, xf - xs, 13.0, &format!("rx=\"3\" fill=\"{fill}\"{stroke}"));
        if let Some(due) = it.due {
            let dx = xd(due.add_days(1));
            let dy = top + 11.5;
            let color = match state {
                DueState::Late => palette::BAD,
                DueState::AtRisk => palette::WARN,
                DueState::Fine => INK,
            };
            // A line through the row, so the marker shows on any bar colour.
            svg.rect(dx - 1.0, top + 1.0, 2.0, ITEM_H - 2.0, &format!("fill=\"{color}\""));
            w!(
                svg,
                "<path d=\"M{} {}l6.5 6.5l-6.5 6.5l-6.5 -6.5z\" fill=\"{color}\" stroke=\"#ffffff\" stroke-width=\"1.5\"/>",
                N(dx),
                N(dy - 6.5)
            );
        }
        w!(svg, "</g>");
    }

    if let Some(t) = g.today {
        let tx = x.map(t.days() as f64 + 0.5);
        if (PLOT_L..=PLOT_R).contains(&tx) {
            svg.line(
                tx,
                AXIS_TOP + 28.0,
                tx,
                rows_bottom + 4.0,
                &format!("stroke=\"{}\" stroke-width=\"2\" aria-hidden=\"true\"", palette::BAD),
            );
            let label = format!("Today {}", t.short());
            let wdt = text_width(&label, 11.0) * super::svg::BOLD + 10.0;
            let bx = (tx - wdt / 2.0).clamp(PLOT_L, PLOT_R - wdt);
            svg.rect(bx, rows_bottom + 4.0, wdt, 17.0, &format!("rx=\"3\" fill=\"{}\"", palette::BAD));
            svg.text(
                bx + wdt / 2.0,
                rows_bottom + 16.5,
                &label,
                wdt,
                "font-size=\"11\" font-weight=\"600\" text-anchor=\"middle\"",
                "#ffffff",
            );
        }
    }
    if items.is_empty() {
        svg.text(PLOT_L, AXIS_TOP + 56.0, "Nothing scheduled", 300.0, "font-size=\"13\"", MUTED);
    }
    svg.finish(WIDTH, rows_bottom + 30.0)
}

enum DueState {
    Fine,
    /// The P85 forecast is after the due date.
    AtRisk,
    /// The planned finish is after the due date.
    Late,
}

fn due_state(it: &GanttItem) -> DueState {
    match it.due {
        Some(due) if it.finish.max(it.start) > due => DueState::Late,
        Some(due) if it.p85.is_some_and(|p| p > due) => DueState::AtRisk,
        _ => DueState::Fine,
    }
}

fn legend(svg: &mut Svg, today: bool) {
    let y = 50.0;
    let mut x = 16.0;
    let mut item = |svg: &mut Svg, swatch: &dyn Fn(&mut Svg, f64), label: &str| {
        swatch(svg, x);
        svg.text(x + 30.0, y + 4.0, label, 320.0, "font-size=\"12\"", INK);
        x += 30.0 + text_width(label, 12.0) + 20.0;
    };
    w!(svg, "<g aria-label=\"Legend\">");
    item(svg, &|s, x| s.rect(x, y - 7.0, 24.0, 12.0, &format!("rx=\"3\" fill=\"{PLAN}\"")), "Plan");
    item(
        svg,
        &|s, x| {
            s.rect(
                x,
                y - 7.0,
                24.0,
                12.0,
                &format!("rx=\"3\" fill=\"{CRITICAL}\" stroke=\"{CRITICAL_EDGE}\" stroke-width=\"1.5\""),
            )
        },
        "Critical path (bold label)",
    );
    item(svg, &|s, x| s.rect(x, y - 3.0, 24.0, 6.0, &format!("fill=\"{P50}\"")), "Forecast to P50");
    item(svg, &|s, x| s.rect(x, y - 3.0, 24.0, 6.0, &format!("fill=\"{P85}\"")), "P50 to P85");
    item(
        svg,
        &|s, x| w!(s, "<path d=\"M{} {}l6 6l-6 6l-6 -6z\" fill=\"{INK}\"/>", N(x + 12.0), N(y - 6.0)),
        "Due date (red: late, amber: at risk)",
    );
    if today {
        item(svg, &|s, x| s.rect(x + 11.0, y - 8.0, 2.0, 16.0, &format!("fill=\"{}\"", palette::BAD)), "Today");
    }
    w!(svg, "</g>");
}

#[cfg(test)]
mod tests {
    use super::super::check::assert_valid;
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date::from_ymd(y, m, day).unwrap()
    }

    fn item(id: &str, start: Date, days: i64) -> GanttItem {
        GanttItem {
            id: id.into(),
            label: format!("Milestone {id}"),
            start,
            finish: start.add_days(days),
            p50: Some(start.add_days(days + 3)),
            p85: Some(start.add_days(days + 10)),
            due: Some(start.add_days(days + 5)),
            critical: false,
        }
    }

    #[test]
    fn bars_markers_arrows_and_axis() {
        let mut a = item("a", d(2026, 1, 5), 20);
        a.critical = true;
        let mut b = item("b", d(2026, 2, 2), 30);
        b.critical = true;
        let g = Gantt {
            title: "Roadmap Q1".into(),
            groups: vec![
                GanttGroup { label: "Checkout rewrite".into(), items: vec![a, b] },
                GanttGroup { label: "Search & ranking".into(), items: vec![item("c", d(2026, 1, 19), 14)] },
            ],
            links: vec![
                GanttLink { from: "a".into(), to: "b".into() },
                GanttLink { from: "c".into(), to: "zzz".into() },
            ],
            today: Some(d(2026, 2, 10)),
        };
        let svg = gantt(&g);
        assert_valid(&svg);
        for s in [
            "Checkout rewrite",
            "Search &amp; ranking",
            "Jan 2026",
            "Feb",
            "Mar",
            "Today 10 Feb",
            "Critical path",
            "marker-end",
            "Milestone a before Milestone b",
            "at risk",
        ] {
            assert!(svg.contains(s), "missing {s}");
        }
        assert_eq!(svg.matches("marker-end").count(), 1, "link to an unknown id is skipped");
    }

    #[test]
    fn degenerate_inputs_never_panic() {
        let empty = Gantt { title: String::new(), groups: vec![], links: vec![], today: None };
        let mut weird = item("x", d(2026, 5, 1), -40);
        weird.p50 = Some(Date::from_days(i64::MIN));
        weird.p85 = Some(Date::from_days(i64::MAX));
        weird.label = "<a very long & unescaped milestone label that goes on and on and on>".into();
        let mut cycle = item("y", d(2026, 5, 1), 0);
        cycle.due = Some(d(2000, 1, 1));
        let cases = vec![
            empty.clone(),
            Gantt { today: Some(d(2026, 1, 1)), ..empty.clone() },
            Gantt { groups: vec![GanttGroup { label: "empty".into(), items: vec![] }], ..empty.clone() },
            Gantt {
                title: "t".into(),
                groups: vec![GanttGroup { label: "g".into(), items: vec![weird, cycle] }],
                links: vec![
                    GanttLink { from: "x".into(), to: "y".into() },
                    GanttLink { from: "y".into(), to: "x".into() },
                    GanttLink { from: "y".into(), to: "y".into() },
                ],
                today: Some(Date::from_days(i64::MAX)),
            },
        ];
        for g in cases {
            assert_valid(&gantt(&g));
        }
    }
}
