//! SVG charts for the dashboard, drawn by a small builder of our own.
//!
//! Every chart is a pure function from a plain input struct (defined here,
//! independent of `tl-engine`) to an SVG `String` that can be inlined into
//! an HTML page or served as an `image/svg+xml` file.
//!
//! Invariants, checked by the tests in each module:
//!
//! - No JavaScript and no `<style>` element (inline SVG shares the page's
//!   stylesheet, so a `<style>` would leak); presentation attributes only.
//! - No web fonts: a system font stack, and label widths are estimated
//!   (`svg::text_width`) so that labels are truncated with an ellipsis
//!   instead of overlapping. A truncated label keeps its full text in a
//!   `<title>` tooltip.
//! - Accessible: the root has `role="img"` and `aria-labelledby` pointing at
//!   a `<title>` and a `<desc>` that states the data in words. Meaning is
//!   never carried by colour alone (text, outlines, dash patterns, markers).
//! - Every text is escaped (`escape`) and every number written is finite:
//!   NaN, infinities, empty inputs and absurd values draw an empty or clamped
//!   chart, never a panic and never malformed SVG.

mod bars;
mod burn_up;
mod date;
mod donut;
mod gantt;
mod graph;
mod heat_map;
mod palette;
mod scale;
mod sparkline;
mod svg;
mod trend;

#[cfg(test)]
mod check;

pub use bars::{Bar, BarChart, Progress, Reference, bar_chart, progress_bar};
pub use burn_up::{BurnUp, CheckIn, burn_up};
pub use date::Date;
pub use donut::{Donut, Slice, donut};
pub use gantt::{Gantt, GanttGroup, GanttItem, GanttLink, gantt};
pub use graph::{DepGraph, EdgeKind, EdgeState, GraphEdge, GraphNode, dependency_graph};
pub use heat_map::{HeatMap, HeatRow, heat_map};
pub use palette::Tone;
pub use scale::{Ticks, nice_ticks};
pub use sparkline::{Sparkline, sparkline};
pub use svg::escape;
pub use trend::{Trend, TrendPoint, trend};
