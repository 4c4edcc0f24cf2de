//! A dependency graph with a small deterministic layered layout of our own:
//! cycles broken by a depth-first search, longest-path layering, dummy
//! nodes on long edges, barycentric ordering sweeps to reduce crossings,
//! then vertical positions pulled towards neighbours. Edges flow left to
//! right from the provider to the dependent. Late, blocked and external
//! edges differ in colour and dash pattern; nodes waiting on late or
//! blocked work say so in text.

use std::collections::{HashMap, HashSet};

use super::palette::{self, INK, MUTED};
use super::svg::{N, Svg, text_width, w};

#[derive(Clone, Debug, PartialEq)]
pub struct DepGraph {
    pub title: String,
    pub nodes: Vec<GraphNode>,
    /// Edges naming unknown node ids, and self-loops, are left out.
    pub edges: Vec<GraphEdge>,
}

/// A team, initiative or milestone.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphNode {
    /// Unique; a repeated id keeps its first node.
    pub id: String,
    pub label: String,
    /// A second line, e.g. the owning team; may be empty.
    pub detail: String,
    /// Outside the organisation: drawn with a dashed border.
    pub external: bool,
}

/// `to` depends on `from`: the arrow points at the dependent.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphEdge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    pub state: EdgeState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    Technical,
    Organizational,
    External,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EdgeState {
    OnTrack,
    Late,
    Blocked,
    Done,
}

impl EdgeKind {
    fn word(self) -> &'static str {
        match self {
            EdgeKind::Technical => "technical",
            EdgeKind::Organizational => "organizational",
            EdgeKind::External => "external",
        }
    }
}

impl EdgeState {
    fn word(self) -> &'static str {
        match self {
            EdgeState::OnTrack => "on track",
            EdgeState::Late => "late",
            EdgeState::Blocked => "blocked",
            EdgeState::Done => "done",
        }
    }
}

/// Line style: blocked, then late, then the kind decides.
struct Style {
    name: &'static str,
    color: &'static str,
    dash: &'static str,
    width: f64,
    label: &'static str,
}

const STYLES: [Style; 6] = [
    Style { name: "tech", color: "#52606d", dash: "", width: 1.5, label: "Technical" },
    Style { name: "org", color: palette::VIOLET, dash: "7 4", width: 1.5, label: "Organizational" },
    Style { name: "ext", color: palette::TEAL, dash: "1.5 4", width: 2.2, label: "External" },
    Style { name: "late", color: palette::WARN, dash: "10 4", width: 2.5, label: "Late" },
    Style { name: "blocked", color: palette::BAD, dash: "10 3 2 3", width: 2.8, label: "Blocked" },
    Style { name: "done", color: "#a3adb8", dash: "", width: 1.2, label: "Done" },
];

fn style_of(e: &GraphEdge) -> usize {
    match (e.state, e.kind) {
        (EdgeState::Blocked, _) => 4,
        (EdgeState::Late, _) => 3,
        (EdgeState::Done, _) => 5,
        (_, EdgeKind::External) => 2,
        (_, EdgeKind::Organizational) => 1,
        (_, EdgeKind::Technical) => 0,
    }
}

const DUMMY_H: f64 = 4.0;
const MAX_WIDTH: f64 = 960.0;
const MARGIN: f64 = 16.0;
const TOP: f64 = 48.0;

/// The layered layout: a layer and a vertical position for every vertex
/// (real nodes first, then dummies), and each edge as a chain of vertices
/// from the lower layer to the higher.
pub(crate) struct Layout {
    pub(crate) layer: Vec<usize>,
    pub(crate) order: Vec<Vec<usize>>,
    pub(crate) y: Vec<f64>,
    /// Per drawable edge: (edge index, vertex chain, drawn reversed).
    pub(crate) chains: Vec<(usize, Vec<usize>, bool)>,
    pub(crate) real: usize,
    node_h: f64,
}

impl Layout {
    /// `n` nodes of height `node_h`; edges as (from, to, edge index).
    pub(crate) fn new(n: usize, edges: &[(usize, usize, usize)], node_h: f64) -> Layout {
        // 1. Break cycles: edges closing a cycle in a DFS are reversed.
        let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
        for &(u, v, _) in edges {
            if !out[u].contains(&v) {
                out[u].push(v);
            }
        }
        let mut back: HashSet<(usize, usize)> = HashSet::new();
        let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
        for root in 0..n {
            if state[root] != 0 {
                continue;
            }
            let mut stack = vec![(root, 0usize)];
            state[root] = 1;
            while let Some(&mut (u, ref mut i)) = stack.last_mut() {
                if *i < out[u].len() {
                    let v = out[u][*i];
                    *i += 1;
                    match state[v] {
                        0 => {
                            state[v] = 1;
                            stack.push((v, 0));
                        }
                        1 => {
                            back.insert((u, v));
                        }
                        _ => {}
                    }
                } else {
                    state[u] = 2;
                    stack.pop();
                }
            }
        }
        let dag: Vec<(usize, usize)> =
            edges.iter().map(|&(u, v, _)| if back.contains(&(u, v)) { (v, u) } else { (u, v) }).collect();

        // 2. Longest-path layering in topological order (Kahn).
        let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut indeg = vec![0usize; n];
        for &(u, v) in &dag {
            succ[u].push(v);
            indeg[v] += 1;
        }
        let mut layer = vec![0usize; n];
        let mut queue: Vec<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
        let mut head = 0;
        while head < queue.len() {
            let u = queue[head];
            head += 1;
            for &v in &succ[u] {
                layer[v] = layer[v].max(layer[u] + 1);
                indeg[v] -= 1;
                if indeg[v] == 0 {
                    queue.push(v);
                }
            }
        }

        // 3. Dummy vertices on edges that span several layers.
        let mut chains = Vec::new();
        for (k, &(u, v)) in dag.iter().enumerate() {
            let mut chain = vec![u];
            for l in layer[u] + 1..layer[v] {
                layer.push(l);
                chain.push(layer.len() - 1);
            }
            chain.push(v);
            chains.push((edges[k].2, chain, (u, v) != (edges[k].0, edges[k].1)));
        }
        let total = layer.len();
        let layers = layer.iter().max().map_or(0, |m| m + 1);
        let mut up: Vec<Vec<usize>> = vec![Vec::new(); total];
        let mut down: Vec<Vec<usize>> = vec![Vec::new(); total];
        for (_, chain, _) in &chains {
            for pair in chain.windows(2) {
                down[pair[0]].push(pair[1]);
                up[pair[1]].push(pair[0]);
            }
        }

        // 4. Order within layers: barycentric sweeps, keeping the best.
        let mut order: Vec<Vec<usize>> = vec![Vec::new(); layers];
        for v in 0..total {
            order[layer[v]].push(v);
        }
        let mut pos = vec![0usize; total];
        let index = |order: &Vec<Vec<usize>>, pos: &mut Vec<usize>| {
            for l in order {
                for (i, &v) in l.iter().enumerate() {
                    pos[v] = i;
                }
            }
        };
        index(&order, &mut pos);
        let mut best = order.clone();
        let mut best_cross = crossings(&order, &down, &pos);
        for sweep in 0..24 {
            if best_cross == 0 {
                break;
            }
            let downward = sweep % 2 == 0;
            let seq: Vec<usize> =
                if downward { (1..layers).collect() } else { (0..layers.saturating_sub(1)).rev().collect() };
            for l in seq {
                let nb = if downward { &up } else { &down };
                let mut keyed: Vec<(f64, usize)> = order[l]
                    .iter()
                    .map(|&v| {
                        let ns = &nb[v];
                        let bc = if ns.is_empty() {
                            pos[v] as f64
                        } else {
                            ns.iter().map(|&u| pos[u] as f64).sum::<f64>() / ns.len() as f64
                        };
                        (bc, v)
                    })
                    .collect();
                keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(pos[a.1].cmp(&pos[b.1])));
                order[l] = keyed.into_iter().map(|(_, v)| v).collect();
                for (i, &v) in order[l].iter().enumerate() {
                    pos[v] = i;
                }
            }
            let c = crossings(&order, &down, &pos);
            if c < best_cross {
                best_cross = c;
                best = order.clone();
            }
        }
        let order = best;
        index(&order, &mut pos);

        // 5. Vertical positions: packed, then pulled towards neighbours
        //    while keeping order and spacing.
        let size = |v: usize| if v < n { node_h } else { DUMMY_H };
        let sep = |a: usize, b: usize| size(a) / 2.0 + size(b) / 2.0 + if a < n && b < n { 18.0 } else { 10.0 };
        let mut y = vec![0.0f64; total];
        for l in &order {
            let mut acc = 0.0;
            for (i, &v) in l.iter().enumerate() {
                if i > 0 {
                    acc += sep(l[i - 1], v);
                }
                y[v] = acc;
            }
        }
        // Centre layers on the tallest one.
        let extent = |l: &Vec<usize>, y: &Vec<f64>| match (l.first(), l.last()) {
            (Some(&a), Some(&b)) => y[b] - y[a],
            _ => 0.0,
        };
        let tallest = order.iter().map(|l| extent(l, &y)).fold(0.0, f64::max);
        for l in &order {
            let shift = (tallest - extent(l, &y)) / 2.0;
            for &v in l {
                y[v] += shift;
            }
        }
        for _ in 0..12 {
            for l in &order {
                let desired: Vec<f64> = l
                    .iter()
                    .map(|&v| {
                        let ns: Vec<usize> = up[v].iter().chain(down[v].iter()).copied().collect();
                        if ns.is_empty() { y[v] } else { ns.iter().map(|&u| y[u]).sum::<f64>() / ns.len() as f64 }
                    })
                    .collect();
                let k = l.len();
                let mut a = desired.clone();
                for i in 1..k {
                    a[i] = a[i].max(a[i - 1] + sep(l[i - 1], l[i]));
                }
                let mut b = desired;
                for i in (0..k.saturating_sub(1)).rev() {
                    b[i] = b[i].min(b[i + 1] - sep(l[i], l[i + 1]));
                }
                for i in 0..k {
                    y[l[i]] = (a[i] + b[i]) / 2.0;
                }
            }
        }
        let min = (0..total).map(|v| y[v] - size(v) / 2.0).fold(f64::INFINITY, f64::min);
        if min.is_finite() {
            for v in y.iter_mut() {
                *v -= min;
            }
        }
        Layout { layer, order, y, chains, real: n, node_h }
    }

    pub(crate) fn height(&self) -> f64 {
        (0..self.y.len())
            .map(|v| self.y[v] + if v < self.real { self.node_h / 2.0 } else { DUMMY_H / 2.0 })
            .fold(0.0, f64::max)
    }
}

/// Edge crossings between adjacent layers.
pub(crate) fn crossings(order: &[Vec<usize>], down: &[Vec<usize>], pos: &[usize]) -> usize {
    let mut total = 0;
    for l in order {
        let mut segs: Vec<(usize, usize)> = Vec::new();
        for &u in l {
            for &v in &down[u] {
                segs.push((pos[u], pos[v]));
            }
        }
        segs.sort_unstable();
        for i in 0..segs.len() {
            for j in i + 1..segs.len() {
                if segs[i].0 < segs[j].0 && segs[i].1 > segs[j].1 {
                    total += 1;
                }
            }
        }
    }
    total
}

pub fn dependency_graph(g: &DepGraph) -> String {
    // Nodes by id, first one wins.
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut nodes: Vec<&GraphNode> = Vec::new();
    for node in &g.nodes {
        if !index.contains_key(node.id.as_str()) {
            index.insert(node.id.as_str(), nodes.len());
            nodes.push(node);
        }
    }
    let n = nodes.len();
    let edges: Vec<(usize, usize, usize)> = g
        .edges
        .iter()
        .enumerate()
        .filter_map(|(k, e)| {
            let (u, v) = (*index.get(e.from.as_str())?, *index.get(e.to.as_str())?);
            (u != v).then_some((u, v, k))
        })
        .collect();
    // Waiting on blocked or late work, per dependent node.
    let mut blocked = vec![0usize; n];
    let mut late = vec![0usize; n];
    for &(_, v, k) in &edges {
        match g.edges[k].state {
            EdgeState::Blocked => blocked[v] += 1,
            EdgeState::Late => late[v] += 1,
            _ => {}
        }
    }
    let detail_of = |nd: &GraphNode| -> String {
        let d = nd.detail.split_whitespace().collect::<Vec<_>>().join(" ");
        if d.is_empty() && nd.external { "external".into() } else { d }
    };
    let lines_of = |v: usize| 1 + usize::from(!detail_of(nodes[v]).is_empty()) + usize::from(blocked[v] + late[v] > 0);
    let max_lines = (0..n).map(lines_of).max().unwrap_or(1);
    let node_h = 14.0 + 13.0 + (max_lines - 1) as f64 * 15.0;
    let layout = Layout::new(n, &edges, node_h);
    let layers = layout.order.len().max(1);

    // Columns sized to fit a laptop screen when possible.
    let widest = nodes
        .iter()
        .map(|nd| (text_width(&nd.label, 13.0) * super::svg::BOLD).max(text_width(&detail_of(nd), 11.0)))
        .fold(0.0, f64::max);
    let avail = MAX_WIDTH - 2.0 * MARGIN;
    let want = (widest + 20.0).clamp(110.0, 210.0);
    let gap = if layers > 1 { ((avail - layers as f64 * want) / (layers - 1) as f64).clamp(32.0, 90.0) } else { 0.0 };
    // Narrower columns to fit a laptop screen, down to a readable minimum;
    // beyond that the SVG scales down with its container.
    let col_w = want.min((avail - gap * (layers - 1) as f64) / layers as f64).max(want.min(130.0));
    let col_x = |l: usize| MARGIN + l as f64 * (col_w + gap);
    let graph_w = col_x(layers - 1) + col_w + MARGIN;
    let width = graph_w.max(660.0);
    let offset_x = (width - graph_w) / 2.0;
    let y_of = |v: usize| TOP + 10.0 + layout.y[v];

    let mut desc = format!("{} nodes, {} dependencies.", n, edges.len());
    let alarming: Vec<String> = edges
        .iter()
        .filter(|(_, _, k)| matches!(g.edges[*k].state, EdgeState::Blocked | EdgeState::Late))
        .map(|&(u, v, k)| {
            format!(
                "{} waits on {} ({}, {})",
                nodes[v].label.trim(),
                nodes[u].label.trim(),
                g.edges[k].kind.word(),
                g.edges[k].state.word()
            )
        })
        .collect();
    if !alarming.is_empty() {
        desc.push_str(&format!(
            " Late or blocked: {}.",
            alarming.iter().take(40).cloned().collect::<Vec<_>>().join("; ")
        ));
    }
    let ext = edges.iter().filter(|(_, _, k)| g.edges[*k].kind == EdgeKind::External).count();
    if ext > 0 {
        desc.push_str(&format!(" {ext} external."));
    }
    if n == 0 {
        desc = "No dependencies.".into();
    }
    let mut svg = Svg::new("dependency-graph", &g.title, &desc);
    svg.heading(MARGIN, width - 2.0 * MARGIN);

    // Markers, one per style; blocked ends in a bar before the arrowhead.
    w!(svg, "<defs>");
    let markers: Vec<String> = STYLES
        .iter()
        .map(|s| {
            let id = svg.id(&format!("m-{}", s.name));
            if s.name == "blocked" {
                w!(
                    svg,
                    "<marker id=\"{id}\" viewBox=\"-7 0 17 10\" refX=\"9\" refY=\"5\" markerWidth=\"14\" markerHeight=\"8.2\" markerUnits=\"userSpaceOnUse\" orient=\"auto\">\
                     <path d=\"M0 0L10 5L0 10z\" fill=\"{c}\"/><rect x=\"-6\" y=\"0\" width=\"2.5\" height=\"10\" fill=\"{c}\"/></marker>",
                    c = s.color
                );
            } else {
                w!(
                    svg,
                    "<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" markerUnits=\"userSpaceOnUse\" orient=\"auto\">\
                     <path d=\"M0 0L10 5L0 10z\" fill=\"{}\"/></marker>",
                    s.color
                );
            }
            id
        })
        .collect();
    w!(svg, "</defs>");

    // Edges, calm ones first so alarming ones are drawn on top.
    let mut drawn: Vec<&(usize, Vec<usize>, bool)> = layout.chains.iter().collect();
    drawn.sort_by_key(|(k, _, _)| match style_of(&g.edges[*k]) {
        5 => 0,
        4 => 3,
        3 => 2,
        _ => 1,
    });
    w!(svg, "<g fill=\"none\" stroke-linecap=\"round\" aria-label=\"Dependencies\">");
    for (k, chain, reversed) in drawn {
        let e = &g.edges[*k];
        let s = &STYLES[style_of(e)];
        let mut pts: Vec<(f64, f64)> = chain
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let x = offset_x + col_x(layout.layer[v]);
                let x = if v >= n {
                    x + col_w / 2.0
                } else if i == 0 {
                    x + col_w
                } else {
                    x
                };
                (x, y_of(v))
            })
            .collect();
        // Dummies span the whole column so long edges run straight.
        let mut expanded = Vec::new();
        for (i, &(x, y)) in pts.iter().enumerate() {
            if i > 0 && i + 1 < pts.len() {
                expanded.push((x - col_w / 2.0, y));
                expanded.push((x + col_w / 2.0, y));
            } else {
                expanded.push((x, y));
            }
        }
        pts = expanded;
        if *reversed {
            pts.reverse();
        }
        let mut d = format!("M{} {}", N(pts[0].0), N(pts[0].1));
        for pair in pts.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            if (y1 - y0).abs() < 0.5 {
                d.push_str(&format!("L{} {}", N(x1), N(y1)));
            } else {
                let c = (x1 - x0) / 2.0;
                d.push_str(&format!("C{} {} {} {} {} {}", N(x0 + c), N(y0), N(x1 - c), N(y1), N(x1), N(y1)));
            }
        }
        let dash = if s.dash.is_empty() { String::new() } else { format!(" stroke-dasharray=\"{}\"", s.dash) };
        w!(
            svg,
            "<path d=\"{d}\" stroke=\"{}\" stroke-width=\"{}\"{dash} marker-end=\"url(#{})\"><title>{} depends on {}: {}, {}</title></path>",
            s.color,
            N(s.width),
            markers[style_of(e)],
            super::escape(nodes[index[e.to.as_str()]].label.trim()),
            super::escape(nodes[index[e.from.as_str()]].label.trim()),
            e.kind.word(),
            e.state.word()
        );
    }
    w!(svg, "</g>");

    // Nodes.
    for (v, node) in nodes.iter().enumerate() {
        let x = offset_x + col_x(layout.layer[v]);
        let y = y_of(v);
        let (stroke, sw) = if blocked[v] > 0 {
            (palette::BAD, 2.0)
        } else if late[v] > 0 {
            (palette::WARN, 2.0)
        } else {
            ("#7b8794", 1.2)
        };
        let (fill, dash) = if node.external { (palette::SUBTLE, " stroke-dasharray=\"4 3\"") } else { ("#ffffff", "") };
        let mut status = Vec::new();
        if blocked[v] > 0 {
            status.push((format!("blocked by {}", blocked[v]), palette::BAD));
        }
        if late[v] > 0 {
            status.push((format!("{} late", late[v]), palette::WARN));
        }
        let tip = {
            let mut t = node.label.trim().to_string();
            if !node.detail.trim().is_empty() {
                t.push_str(&format!(" ({})", node.detail.trim()));
            }
            if node.external {
                t.push_str(", external");
            }
            for (s, _) in &status {
                t.push_str(&format!(", {s}"));
            }
            t
        };
        w!(svg, "<g><title>{}</title>", super::escape(&tip));
        svg.rect(
            x,
            y - node_h / 2.0,
            col_w,
            node_h,
            &format!("rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{}\"{dash}", N(sw)),
        );
        let k = lines_of(v);
        let mut ly = y - (k - 1) as f64 * 7.5 + 4.5;
        svg.text(x + 8.0, ly, &node.label, col_w - 14.0, "font-size=\"13\" font-weight=\"600\"", INK);
        let detail = detail_of(node);
        if !detail.is_empty() {
            ly += 15.0;
            svg.text(x + 8.0, ly, &detail, col_w - 14.0, "font-size=\"11\"", MUTED);
        }
        if !status.is_empty() {
            ly += 15.0;
            let mut spans = String::new();
            for (i, (text, color)) in status.iter().enumerate() {
                let sep = if i == 0 { "" } else { ", " };
                spans.push_str(&format!("<tspan fill=\"{color}\">{sep}{}</tspan>", super::escape(text)));
            }
            w!(svg, "<text x=\"{}\" y=\"{}\" font-size=\"11\" font-weight=\"700\">{spans}</text>", N(x + 8.0), N(ly));
        }
        w!(svg, "</g>");
    }
    if n == 0 {
        svg.text(MARGIN, TOP + 30.0, "No dependencies to show", 300.0, "font-size=\"13\"", MUTED);
    }

    // Legend, wrapped to the width.
    let mut ly = TOP + 10.0 + layout.height().max(if n == 0 { 40.0 } else { 0.0 }) + 34.0;
    let mut lx = MARGIN;
    w!(svg, "<g aria-label=\"Legend\">");
    for (i, s) in STYLES.iter().enumerate() {
        let wdt = 36.0 + text_width(s.label, 12.0) + 22.0;
        if lx + wdt > width - MARGIN {
            lx = MARGIN;
            ly += 22.0;
        }
        let dash = if s.dash.is_empty() { String::new() } else { format!(" stroke-dasharray=\"{}\"", s.dash) };
        w!(
            svg,
            "<path d=\"M{} {}h28\" stroke=\"{}\" stroke-width=\"{}\"{dash} stroke-linecap=\"round\" marker-end=\"url(#{})\"/>",
            N(lx),
            N(ly - 4.0),
            s.color,
            N(s.width),
            markers[i]
        );
        svg.text(lx + 36.0, ly, s.label, 140.0, "font-size=\"12\"", INK);
        lx += wdt;
    }
    let ext_w = 30.0 + text_width("External team", 12.0) + 8.0;
    if lx + ext_w > width - MARGIN {
        lx = MARGIN;
        ly += 22.0;
    }
    svg.rect(
        lx,
        ly - 11.0,
        22.0,
        14.0,
        &format!("rx=\"3\" fill=\"{}\" stroke=\"#7b8794\" stroke-dasharray=\"4 3\"", palette::SUBTLE),
    );
    svg.text(lx + 30.0, ly, "External team", 120.0, "font-size=\"12\"", INK);
    w!(svg, "</g>");
    ly += 20.0;
    svg.text(
        MARGIN,
        ly,
        "Arrows point from the provider to the dependent. Blocked arrows end in a bar.",
        width - 2.0 * MARGIN,
        "font-size=\"11\"",
        MUTED,
    );
    svg.finish(width, ly + 12.0)
}

#[cfg(test)]
mod tests {
    use super::super::check::assert_valid;
    use super::*;

    fn node(id: &str) -> GraphNode {
        GraphNode { id: id.into(), label: format!("Team {id}"), detail: String::new(), external: false }
    }

    fn edge(from: &str, to: &str, kind: EdgeKind, state: EdgeState) -> GraphEdge {
        GraphEdge { from: from.into(), to: to.into(), kind, state }
    }

    #[test]
    fn layering_is_longest_path_and_acyclic() {
        // a→b→c, a→c, d isolated.
        let layout = Layout::new(4, &[(0, 1, 0), (1, 2, 1), (0, 2, 2)], 44.0);
        assert_eq!(&layout.layer[..4], &[0, 1, 2, 0]);
        assert_eq!(layout.layer.len(), 5, "one dummy for a→c");
        // A cycle still layers, with one edge drawn reversed.
        let layout = Layout::new(3, &[(0, 1, 0), (1, 2, 1), (2, 0, 2)], 44.0);
        assert_eq!(layout.chains.iter().filter(|c| c.2).count(), 1);
    }

    #[test]
    fn barycentric_ordering_removes_avoidable_crossings() {
        // Two sources in input order 0,1 with targets listed crossed.
        let edges = [(0, 3, 0), (1, 2, 1), (0, 5, 2), (1, 4, 3)];
        let layout = Layout::new(6, &edges, 44.0);
        let mut pos = vec![0; layout.layer.len()];
        for l in &layout.order {
            for (i, &v) in l.iter().enumerate() {
                pos[v] = i;
            }
        }
        let mut down = vec![Vec::new(); layout.layer.len()];
        for (_, chain, _) in &layout.chains {
            for p in chain.windows(2) {
                down[p[0]].push(p[1]);
            }
        }
        assert_eq!(crossings(&layout.order, &down, &pos), 0);
    }

    #[test]
    fn styles_and_status_are_marked() {
        let g = DepGraph {
            title: "Cross-team dependencies".into(),
            nodes: vec![node("a"), node("b"), node("c"), GraphNode { external: true, ..node("x") }],
            edges: vec![
                edge("a", "b", EdgeKind::Technical, EdgeState::Blocked),
                edge("b", "c", EdgeKind::Organizational, EdgeState::Late),
                edge("x", "c", EdgeKind::External, EdgeState::OnTrack),
                edge("a", "nobody", EdgeKind::Technical, EdgeState::OnTrack),
            ],
        };
        let svg = dependency_graph(&g);
        assert_valid(&svg);
        for s in [
            "blocked by 1",
            "1 late",
            "stroke-dasharray=\"10 3 2 3\"",
            "stroke-dasharray=\"10 4\"",
            "stroke-dasharray=\"1.5 4\"",
            "External team",
            "Team b waits on Team a (technical, blocked)",
        ] {
            assert!(svg.contains(s), "missing {s}");
        }
        assert_eq!(svg.matches("depends on").count(), 3, "edge to unknown node skipped");
    }

    #[test]
    fn degenerate_inputs_never_panic() {
        let long = GraphNode {
            id: "l".into(),
            label: "<A node label & far, far too long to fit in any column at all>".into(),
            detail: "\u{0}detail".into(),
            external: true,
        };
        let mut big =
            DepGraph { title: "big".into(), nodes: (0..60).map(|i| node(&i.to_string())).collect(), edges: vec![] };
        for i in 0..60usize {
            for j in [1, 7, 13] {
                big.edges.push(edge(
                    &i.to_string(),
                    &((i * j + 3) % 60).to_string(),
                    EdgeKind::Technical,
                    EdgeState::OnTrack,
                ));
            }
        }
        let cases = vec![
            DepGraph { title: String::new(), nodes: vec![], edges: vec![] },
            DepGraph {
                title: "one".into(),
                nodes: vec![node("a")],
                edges: vec![edge("a", "a", EdgeKind::Technical, EdgeState::Late)],
            },
            DepGraph {
                title: "dup".into(),
                nodes: vec![node("a"), node("a"), long],
                edges: vec![
                    edge("a", "l", EdgeKind::External, EdgeState::Done),
                    edge("l", "a", EdgeKind::External, EdgeState::Blocked),
                ],
            },
            big,
        ];
        for g in cases {
            assert_valid(&dependency_graph(&g));
        }
    }
}
