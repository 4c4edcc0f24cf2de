//! Rendering diagnostics for people (compiler style, optionally coloured),
//! for machines (JSON) and for GitHub Actions (workflow annotations).

use crate::source::Sources;
use serde_json::{Value, json};
use std::fmt::Write;
use tl_engine::{Diagnostic, Severity};

/// ANSI styles, or nothing when colour is off.
struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }
    fn severity(&self, s: Severity, text: &str) -> String {
        let code = match s {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        self.paint(code, text)
    }
    fn gutter(&self, text: &str) -> String {
        self.paint("1;34", text)
    }
    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
}

/// One diagnostic the way a compiler prints it: header, location, snippet with
/// a caret under the offending token, hint and related locations.
pub fn human(sources: &Sources, d: &Diagnostic, color: bool) -> String {
    let st = Style { on: color };
    let mut out = String::new();
    let head = format!("{}[{}]", d.severity, d.rule);
    let _ = writeln!(out, "{}: {}", st.severity(d.severity, &head), st.bold(&d.message));
    if let Some(place) = sources.describe(d.loc) {
        let line_no = d.loc.line.to_string();
        let pad = " ".repeat(line_no.len());
        let _ = writeln!(out, "{pad}{} {place}", st.gutter("-->"));
        if let Some(line) = sources.get(d.loc.file).and_then(|f| f.line(d.loc.line)) {
            let line = line.replace('\t', " ");
            let col = (d.loc.col.max(1) - 1) as usize;
            let prefix: String = line.chars().take(col).map(|c| if c.is_whitespace() { c } else { ' ' }).collect();
            let token_len = line
                .chars()
                .skip(col)
                .take_while(|c| !c.is_whitespace() && !matches!(c, ':' | ',' | ']' | '}'))
                .count()
                .max(1);
            let _ = writeln!(out, "{pad} {}", st.gutter("|"));
            let _ = writeln!(out, "{} {line}", st.gutter(&format!("{line_no} |")));
            let carets = "^".repeat(token_len);
            let _ = writeln!(out, "{pad} {} {prefix}{}", st.gutter("|"), st.severity(d.severity, &carets));
        }
        for (loc, note) in &d.related {
            match sources.describe(*loc) {
                Some(p) => {
                    let _ = writeln!(out, "{pad} {} note: {note} ({p})", st.gutter("="));
                }
                None => {
                    let _ = writeln!(out, "{pad} {} note: {note}", st.gutter("="));
                }
            }
        }
        if let Some(hint) = &d.hint {
            let _ = writeln!(out, "{pad} {} hint: {hint}", st.gutter("="));
        }
    } else {
        for (loc, note) in &d.related {
            let place = sources.describe(*loc).map(|p| format!(" ({p})")).unwrap_or_default();
            let _ = writeln!(out, "  = note: {note}{place}");
        }
        if let Some(hint) = &d.hint {
            let _ = writeln!(out, "  = hint: {hint}");
        }
    }
    out
}

/// Every diagnostic, then a summary line.
pub fn human_all(sources: &Sources, diags: &[Diagnostic], color: bool) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&human(sources, d, color));
        out.push('\n');
    }
    out.push_str(&summary(diags));
    out.push('\n');
    out
}

/// "2 errors, 1 warning" or "no problems found".
pub fn summary(diags: &[Diagnostic]) -> String {
    let count = |s| diags.iter().filter(|d| d.severity == s).count();
    let (e, w, i) = (count(Severity::Error), count(Severity::Warning), count(Severity::Info));
    if e + w + i == 0 {
        return "no problems found".to_string();
    }
    let mut parts = Vec::new();
    for (n, one, many) in [(e, "error", "errors"), (w, "warning", "warnings"), (i, "note", "notes")] {
        if n > 0 {
            parts.push(format!("{n} {}", if n == 1 { one } else { many }));
        }
    }
    parts.join(", ")
}

/// One diagnostic as a JSON object.
pub fn json(sources: &Sources, d: &Diagnostic) -> Value {
    let related: Vec<Value> = d
        .related
        .iter()
        .map(|(loc, note)| {
            json!({
                "message": note,
                "file": sources.path(*loc),
                "line": (loc.line > 0).then_some(loc.line),
                "column": (loc.line > 0).then_some(loc.col),
            })
        })
        .collect();
    json!({
        "rule": d.rule,
        "severity": d.severity.as_str(),
        "message": d.message,
        "file": sources.path(d.loc),
        "line": (d.loc.line > 0).then_some(d.loc.line),
        "column": (d.loc.line > 0).then_some(d.loc.col),
        "hint": d.hint,
        "related": related,
    })
}

/// GitHub Actions workflow commands (`::error file=..,line=..::message`).
pub fn github(sources: &Sources, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = vec![format!("title={}", escape_property(d.rule))];
        if let Some(path) = sources.path(d.loc) {
            props.insert(0, format!("file={}", escape_property(&path)));
            if d.loc.line > 0 {
                props.insert(1, format!("line={},col={}", d.loc.line, d.loc.col));
            }
        }
        let mut message = d.message.clone();
        if let Some(hint) = &d.hint {
            message.push_str("\nhint: ");
            message.push_str(hint);
        }
        let _ = writeln!(out, "::{level} {}::{}", props.join(","), escape_data(&message));
    }
    out
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}
