//! The small SVG writer every chart uses: the accessible root element,
//! escaping, finite number formatting, text measuring and truncation.

use std::borrow::Cow;
use std::fmt::{self, Write};

use super::palette;

/// System font stack: no web fonts are loaded.
const FONT: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

/// Appends formatted text to an `Svg` (writing to a `String` cannot fail).
macro_rules! w {
    ($svg:expr, $($arg:tt)*) => {{
        let _ = ::std::fmt::Write::write_fmt(&mut $svg.body, format_args!($($arg)*));
    }};
}
pub(crate) use w;

/// Escapes text for element content and attribute values. Characters XML
/// does not allow (most C0 controls, U+FFFE, U+FFFF) become a space or
/// U+FFFD, so arbitrary user text always yields well-formed SVG.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 => out.push(' '),
            '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate or length: finite, clamped, at most two decimals.
#[derive(Clone, Copy)]
pub(crate) struct N(pub f64);

impl fmt::Display for N {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = if self.0.is_finite() { self.0.clamp(-1e6, 1e6) } else { 0.0 };
        let r = (v * 100.0).round() / 100.0;
        if r == r.trunc() { write!(f, "{}", r as i64) } else { write!(f, "{r}") }
    }
}

/// Estimated width in pixels of `s` at `size` px in a sans-serif system
/// font. Deliberately a little generous, so that fitted labels never touch.
pub(crate) fn text_width(s: &str, size: f64) -> f64 {
    s.chars().map(char_em).sum::<f64>() * size
}

fn char_em(c: char) -> f64 {
    // Sized for the widest common fallback (DejaVu Sans on Linux); Segoe
    // UI, San Francisco and Roboto are narrower, so labels only gain room.
    match c {
        'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | 'I' => 0.32,
        'f' | 't' | 'r' | ' ' | '(' | ')' | '[' | ']' | '-' | '/' => 0.42,
        'm' | 'w' | 'M' | 'W' | '%' | '@' => 0.98,
        'A'..='Z' => 0.74,
        '0'..='9' => 0.64,
        '\u{2026}' => 1.0,
        c if c.is_ascii() => 0.62,
        // CJK, emoji and other wide characters.
        c if (c as u32) >= 0x1100 => 1.05,
        _ => 0.66,
    }
}

/// Extra width of bold text.
pub(crate) const BOLD: f64 = 1.08;

/// A white outline behind text, so it stays readable over lines.
pub(crate) const HALO: &str = "stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\"";

/// Collapses whitespace and shortens `s` with an ellipsis so that it fits
/// in `max` pixels at `size` px. Returns the text and whether it was cut.
pub(crate) fn fit(s: &str, max: f64, size: f64) -> (Cow<'_, str>, bool) {
    let clean: Cow<'_, str> = if s.chars().any(|c| c.is_whitespace() && c != ' ') || s.contains("  ") {
        Cow::Owned(s.split_whitespace().collect::<Vec<_>>().join(" "))
    } else {
        Cow::Borrowed(s.trim())
    };
    if text_width(&clean, size) <= max {
        return (clean, false);
    }
    let budget = max - text_width("…", size);
    let mut out = String::new();
    let mut width = 0.0;
    for c in clean.chars() {
        width += char_em(c) * size;
        if width > budget {
            break;
        }
        out.push(c);
    }
    let mut out = out.trim_end().to_string();
    out.push('…');
    (Cow::Owned(out), true)
}

/// Formats a value for people: rounded to about three significant digits,
/// thousands separated, no trailing zeros (`1,250`, `42.5`, `0.35`).
pub(crate) fn fmt_value(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let a = v.abs();
    let decimals = if a >= 100.0 || a == 0.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        // Two significant digits below one, at most four decimals.
        ((-a.log10()).floor() as usize + 2).min(4)
    };
    fmt_fixed(v, decimals)
}

/// `v` with exactly `decimals` decimals, trailing zeros trimmed, thousands
/// separated; `-0` printed as `0`. Magnitudes above 1e15 use an exponent.
pub(crate) fn fmt_fixed(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    if v.abs() >= 1e15 {
        return format!("{v:.2e}");
    }
    let s = format!("{:.*}", decimals, v);
    let (sign, s) = match s.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", s.as_str()),
    };
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f.trim_end_matches('0')),
        None => (s, ""),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let zero = grouped.chars().all(|c| c == '0' || c == ',') && frac.is_empty();
    let sign = if zero { "" } else { sign };
    if frac.is_empty() { format!("{sign}{grouped}") } else { format!("{sign}{grouped}.{frac}") }
}

/// A share (0.64) as a whole percentage (`64%`), with `<1%` for slivers.
pub(crate) fn fmt_pct(share: f64) -> String {
    if !share.is_finite() {
        return "n/a".into();
    }
    let p = share * 100.0;
    if p > 0.0 && p < 0.5 {
        "<1%".into()
    } else if p >= 10_000.0 {
        ">9,999%".into()
    } else {
        format!("{}%", fmt_fixed(p, 0))
    }
}

/// An SVG document being written. Charts write their body, then `finish`
/// wraps it in the root element once the final size is known.
pub(crate) struct Svg {
    pub(crate) body: String,
    id: String,
    title: String,
    desc: String,
}

impl Svg {
    /// `kind` names the chart; ids in the document derive from it and a
    /// hash of the title and description, so two different charts inlined
    /// in one page do not share marker or title ids.
    pub(crate) fn new(kind: &str, title: &str, desc: &str) -> Svg {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in kind.bytes().chain(title.bytes()).chain(desc.bytes()) {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        let kind: String = kind.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        Svg {
            body: String::new(),
            id: format!("tl-{kind}-{:08x}", h as u32),
            title: title.split_whitespace().collect::<Vec<_>>().join(" "),
            desc: desc.to_string(),
        }
    }

    /// A document-unique id for a `<marker>`, `<pattern>` and the like.
    pub(crate) fn id(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.id)
    }

    /// The root element around the body: `width`×`height` user units,
    /// scaling down with its container.
    pub(crate) fn finish(self, width: f64, height: f64) -> String {
        self.finish_styled(width, height, "max-width:100%;height:auto")
    }

    /// Like `finish`, for a small inline chart that must keep its size: a
    /// chart allowed to shrink collapses in a table cell (the cell's
    /// narrowest width is then zero) and its labels become unreadable.
    pub(crate) fn finish_fixed(self, width: f64, height: f64) -> String {
        self.finish_styled(width, height, "flex:none;vertical-align:middle")
    }

    fn finish_styled(self, width: f64, height: f64, style: &str) -> String {
        let mut out = String::with_capacity(self.body.len() + 600);
        let (w, h) = (N(width.max(1.0)), N(height.max(1.0)));
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
             role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" font-family=\"{FONT}\" \
             style=\"{style}\">\
             <title id=\"{id}-title\">{t}</title><desc id=\"{id}-desc\">{d}</desc>\
             <rect width=\"{w}\" height=\"{h}\" fill=\"{bg}\"/>",
            id = self.id,
            t = escape(&self.title),
            d = escape(&self.desc),
            bg = palette::BG,
        );
        out.push_str(&self.body);
        out.push_str("</svg>");
        out
    }

    /// The visible chart heading at the top left.
    pub(crate) fn heading(&mut self, x: f64, max_width: f64) {
        let title = self.title.clone();
        self.text(x, 24.0, &title, max_width, "font-size=\"16\" font-weight=\"600\"", palette::INK);
    }

    /// A single-line text fitted into `max_width`; a cut label keeps its
    /// full text as a tooltip. `attrs` holds size, anchor, weight; the font
    /// size is read from it for measuring (default 12).
    pub(crate) fn text(&mut self, x: f64, y: f64, s: &str, max_width: f64, attrs: &str, fill: &str) {
        let size = attrs
            .split("font-size=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(12.0);
        let bold = attrs.contains("font-weight=\"6") || attrs.contains("font-weight=\"7");
        let (shown, cut) = fit(s, max_width / if bold { BOLD } else { 1.0 }, size);
        let size_attr = if attrs.contains("font-size") { String::new() } else { " font-size=\"12\"".into() };
        w!(self, "<text x=\"{}\" y=\"{}\" {attrs}{size_attr} fill=\"{fill}\">", N(x), N(y));
        if cut {
            w!(self, "<title>{}</title>", escape(s));
        }
        w!(self, "{}</text>", escape(&shown));
    }

    pub(crate) fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, attrs: &str) {
        w!(self, "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" {attrs}/>", N(x1), N(y1), N(x2), N(y2));
    }

    pub(crate) fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, attrs: &str) {
        w!(
            self,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {attrs}/>",
            N(x),
            N(y),
            N(w.max(0.0)),
            N(h.max(0.0))
        );
    }

    /// An arrowhead marker in `color` for line ends; returns its id.
    pub(crate) fn arrow_marker(&mut self, name: &str, color: &str) -> String {
        let id = self.id(name);
        w!(
            self,
            "<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" \
             markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0 0L10 5L0 10z\" fill=\"{color}\"/></marker>"
        );
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
        assert_eq!(escape("x\u{0}y\u{FFFF}"), "x y\u{FFFD}");
    }

    #[test]
    fn numbers_are_finite_and_short() {
        assert_eq!(N(f64::NAN).to_string(), "0");
        assert_eq!(N(f64::INFINITY).to_string(), "0");
        assert_eq!(N(1.0 / 3.0).to_string(), "0.33");
        assert_eq!(N(-0.001).to_string(), "0");
        assert_eq!(N(1e300).to_string(), "1000000");
        assert_eq!(fmt_value(1234.6), "1,235");
        assert_eq!(fmt_value(42.54), "42.5");
        assert_eq!(fmt_value(0.0354), "0.035");
        assert_eq!(fmt_value(-0.0), "0");
        assert_eq!(fmt_value(f64::NAN), "n/a");
        assert_eq!(fmt_value(1e300), "1.00e300");
        assert_eq!(fmt_fixed(-1234567.0, 0), "-1,234,567");
        assert_eq!(fmt_fixed(-0.004, 2), "0");
        assert_eq!(fmt_pct(0.6449), "64%");
        assert_eq!(fmt_pct(0.001), "<1%");
        assert_eq!(fmt_pct(1e9), ">9,999%");
    }

    #[test]
    fn fit_truncates_with_ellipsis() {
        let (s, cut) = fit("Payments platform", 500.0, 12.0);
        assert_eq!((s.as_ref(), cut), ("Payments platform", false));
        let long = "A very long initiative name that will never fit in a label column";
        let (s, cut) = fit(long, 120.0, 12.0);
        assert!(cut && s.ends_with('…') && text_width(&s, 12.0) <= 120.0);
        let (s, _) = fit("tabs\tand\nnewlines", 500.0, 12.0);
        assert_eq!(s, "tabs and newlines");
        let (s, cut) = fit("anything", 0.0, 12.0);
        assert!(cut && s == "…");
    }
}
