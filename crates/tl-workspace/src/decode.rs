//! Turning YAML nodes into model values, collecting every problem.
//!
//! Each entity is described once by a `Record`: its fields, their types,
//! whether they are required, and their documentation. The decoder checks a
//! mapping against the record (unknown fields with "did you mean", duplicate
//! and missing fields), and the typed getters convert values and report wrong
//! types with the value's location. The JSON Schema is generated from the same
//! records, so the schema and the loader cannot disagree about field names.

use crate::yaml::{Node, Value};
use jiff::civil::Date;
use tl_engine::diag::did_you_mean;
use tl_engine::model::{Id, Quarter, Ref};
use tl_engine::{Diagnostic, Loc};

/// The type of a field, for validation messages and the JSON Schema.
#[derive(Clone, Copy, Debug)]
pub enum Ty {
    /// A single-line string.
    Str,
    /// Free text.
    Text,
    /// An entity id.
    Id,
    /// A reference to an entity of the named kind.
    Ref(&'static str),
    Number,
    /// An integer within a range.
    Int(i64, i64),
    /// A fraction 0-1.
    Fraction,
    /// A percentage 0-100.
    Percent,
    Date,
    Quarter,
    /// A duration: a whole number and a unit, `30m`, `4h`, `7d` or `2w`.
    Duration,
    /// A trailing window: a duration in whole days, or calendar months `3mo`.
    Window,
    Keyword(&'static [&'static str]),
    List(&'static Ty),
    /// A mapping with free keys (described by the string) to values of a type.
    Map(&'static str, &'static Ty),
    Record(&'static Record),
}

/// One field of a record.
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    pub doc: &'static str,
}

/// The description of a mapping in the files.
#[derive(Debug)]
pub struct Record {
    /// What the mapping is, in words ("team", "key result").
    pub name: &'static str,
    pub doc: &'static str,
    pub fields: &'static [Field],
}

/// Shorthand for building field tables.
pub const fn req(name: &'static str, ty: Ty, doc: &'static str) -> Field {
    Field { name, ty, required: true, doc }
}

/// Shorthand for an optional field.
pub const fn opt(name: &'static str, ty: Ty, doc: &'static str) -> Field {
    Field { name, ty, required: false, doc }
}

/// A mapping checked against its record; fields are looked up by name.
pub struct Obj<'n> {
    pub loc: Loc,
    pub record: &'static Record,
    values: Vec<Option<&'n Node>>,
}

impl<'n> Obj<'n> {
    /// The node of a field, if given and not null.
    pub fn get(&self, name: &str) -> Option<&'n Node> {
        let idx = self.record.fields.iter().position(|f| f.name == name);
        debug_assert!(idx.is_some(), "field `{name}` is not in record `{}`", self.record.name);
        idx.and_then(|i| self.values[i]).filter(|n| !n.is_null())
    }
}

/// Collects diagnostics while decoding.
pub struct Decoder<'d> {
    pub diags: &'d mut Vec<Diagnostic>,
}

impl<'d> Decoder<'d> {
    pub fn new(diags: &'d mut Vec<Diagnostic>) -> Self {
        Decoder { diags }
    }

    pub fn invalid(&mut self, loc: Loc, message: String, hint: impl Into<String>) {
        self.diags.push(Diagnostic::error("invalid-value", loc, message).with_hint(hint));
    }

    /// Checks that `node` is a mapping matching `record`.
    pub fn obj<'n>(&mut self, node: &'n Node, record: &'static Record) -> Option<Obj<'n>> {
        let Value::Map(entries) = &node.value else {
            self.invalid(
                node.loc,
                format!("expected a {} (a mapping of fields), found {}", record.name, node.describe()),
                format!("write the {} as `field: value` lines", record.name),
            );
            return None;
        };
        let mut values: Vec<Option<&'n Node>> = vec![None; record.fields.len()];
        for (key, value) in entries {
            let Some(name) = key.scalar() else {
                self.invalid(
                    key.loc,
                    format!("a field name must be a plain word, found {}", key.describe()),
                    "field names are words like `id` or `name`",
                );
                continue;
            };
            match record.fields.iter().position(|f| f.name == name) {
                Some(i) if values[i].is_some() => {
                    self.invalid(
                        key.loc,
                        format!("the field `{name}` of this {} is given twice", record.name),
                        "remove one of them",
                    );
                }
                Some(i) => values[i] = Some(value),
                None => {
                    let names = record.fields.iter().map(|f| f.name);
                    let hint = match did_you_mean(name, names) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None => format!("the fields of a {} are: {}", record.name, field_list(record)),
                    };
                    self.diags.push(
                        Diagnostic::error(
                            "unknown-field",
                            key.loc,
                            format!("unknown field `{name}` in {}", a_an(record.name)),
                        )
                        .with_hint(hint),
                    );
                }
            }
        }
        let mut complete = true;
        for (i, f) in record.fields.iter().enumerate() {
            if f.required && values[i].is_none_or(|n| n.is_null()) {
                complete = false;
                self.diags.push(
                    Diagnostic::new(
                        "missing-field",
                        tl_engine::Severity::Error,
                        node.loc,
                        format!("this {} has no `{}`", record.name, f.name),
                    )
                    .with_hint(format!("add `{}:` ({})", f.name, f.doc)),
                );
            }
        }
        // A record with a missing required field is still returned so that its
        // other fields are checked; callers fill the gap with a placeholder.
        let _ = complete;
        Some(Obj { loc: node.loc, record, values })
    }

    /// Items of a list section or list field; a single value counts as a list of one.
    pub fn list<'n>(&mut self, node: &'n Node, what: &str) -> Vec<&'n Node> {
        match &node.value {
            Value::Seq(items) => items.iter().collect(),
            _ if node.is_null() => Vec::new(),
            Value::Map(_) => {
                self.invalid(
                    node.loc,
                    format!("expected a list of {what}, found a mapping"),
                    format!("start each of the {what} with `- `"),
                );
                Vec::new()
            }
            Value::Scalar { .. } => vec![node],
        }
    }

    pub fn scalar<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n str> {
        match &node.value {
            Value::Scalar { text, .. } => Some(text),
            _ => {
                self.invalid(
                    node.loc,
                    format!("expected {what}, found {}", node.describe()),
                    format!("write {what} on the same line as the field name"),
                );
                None
            }
        }
    }

    pub fn string(&mut self, obj: &Obj<'_>, name: &str) -> Option<String> {
        let node = obj.get(name)?;
        self.scalar(node, "text").map(str::to_string)
    }

    pub fn strings(&mut self, obj: &Obj<'_>, name: &str) -> Vec<String> {
        let Some(node) = obj.get(name) else {
            return Vec::new();
        };
        self.list(node, name).into_iter().filter_map(|n| self.scalar(n, "text").map(str::to_string)).collect()
    }

    pub fn id_node(&mut self, node: &Node) -> Option<Id> {
        let text = self.scalar(node, "an id")?;
        match Id::parse(text) {
            Ok(id) => Some(id),
            Err(e) => {
                self.invalid(node.loc, e, "ids look like `payments` or `kr-checkout-p99`");
                None
            }
        }
    }

    pub fn id(&mut self, obj: &Obj<'_>, name: &str) -> Option<Id> {
        let node = obj.get(name)?;
        self.id_node(node)
    }

    pub fn reference_node(&mut self, node: &Node) -> Option<Ref> {
        let id = self.id_node(node)?;
        Some(Ref { id, loc: node.loc })
    }

    pub fn reference(&mut self, obj: &Obj<'_>, name: &str) -> Option<Ref> {
        let node = obj.get(name)?;
        self.reference_node(node)
    }

    pub fn references(&mut self, obj: &Obj<'_>, name: &str) -> Vec<Ref> {
        let Some(node) = obj.get(name) else {
            return Vec::new();
        };
        self.list(node, "ids").into_iter().filter_map(|n| self.reference_node(n)).collect()
    }

    pub fn number_node(&mut self, node: &Node) -> Option<f64> {
        let text = self.scalar(node, "a number")?;
        let quoted = matches!(node.value, Value::Scalar { plain: false, .. });
        match text.trim().replace('_', "").parse::<f64>() {
            Ok(x) if x.is_finite() && !quoted => Some(x),
            Ok(_) if quoted => {
                self.invalid(
                    node.loc,
                    format!("expected a number, found the quoted text \"{text}\""),
                    "remove the quotes: numbers are written bare, e.g. `12`",
                );
                None
            }
            _ => {
                self.invalid(
                    node.loc,
                    format!("expected a number, found `{text}`"),
                    "write a plain number such as `12` or `0.5`, without quotes or units",
                );
                None
            }
        }
    }

    pub fn number(&mut self, obj: &Obj<'_>, name: &str) -> Option<f64> {
        let node = obj.get(name)?;
        self.number_node(node)
    }

    /// A number within `[min, max]`; `what` names the scale in messages.
    pub fn bounded(&mut self, obj: &Obj<'_>, name: &str, min: f64, max: f64, what: &str) -> Option<f64> {
        let node = obj.get(name)?;
        let x = self.number_node(node)?;
        if x < min || x > max {
            self.invalid(
                node.loc,
                format!("`{name}` is {x}, outside {min}-{max}"),
                format!("`{name}` is {what} between {min} and {max}"),
            );
            return None;
        }
        Some(x)
    }

    pub fn fraction(&mut self, obj: &Obj<'_>, name: &str) -> Option<f64> {
        self.bounded(obj, name, 0.0, 1.0, "a fraction")
    }

    pub fn percent(&mut self, obj: &Obj<'_>, name: &str) -> Option<f64> {
        self.bounded(obj, name, 0.0, 100.0, "a percentage")
    }

    pub fn non_negative(&mut self, obj: &Obj<'_>, name: &str) -> Option<f64> {
        self.bounded(obj, name, 0.0, 1e9, "a non-negative number")
    }

    pub fn int_node(&mut self, node: &Node, min: i64, max: i64) -> Option<i64> {
        let text = self.scalar(node, "a whole number")?;
        match text.trim().parse::<i64>() {
            Ok(x) if (min..=max).contains(&x) => Some(x),
            _ => {
                self.invalid(
                    node.loc,
                    format!("expected a whole number from {min} to {max}, found `{text}`"),
                    format!("use an integer from {min} to {max}"),
                );
                None
            }
        }
    }

    pub fn int(&mut self, obj: &Obj<'_>, name: &str, min: i64, max: i64) -> Option<i64> {
        let node = obj.get(name)?;
        self.int_node(node, min, max)
    }

    pub fn date(&mut self, obj: &Obj<'_>, name: &str) -> Option<Date> {
        let node = obj.get(name)?;
        self.date_node(node)
    }

    pub fn date_node(&mut self, node: &Node) -> Option<Date> {
        let text = self.scalar(node, "a date")?;
        let parsed = (text.len() == 10).then(|| text.parse::<Date>().ok()).flatten();
        if parsed.is_none() {
            self.invalid(node.loc, format!("`{text}` is not a date"), "write dates as YYYY-MM-DD, e.g. 2027-03-31");
        }
        parsed
    }

    /// A duration in minutes, written `30m`, `4h`, `7d` or `2w`.
    pub fn duration_node(&mut self, node: &Node) -> Option<i64> {
        let text = self.scalar(node, "a duration")?.trim();
        let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        let per = match unit.trim() {
            "m" | "min" => Some(1),
            "h" => Some(60),
            "d" => Some(24 * 60),
            "w" => Some(7 * 24 * 60),
            _ => None,
        };
        let minutes = digits.parse::<i64>().ok().zip(per).and_then(|(n, per)| n.checked_mul(per));
        match minutes {
            Some(m) if m > 0 && m <= 3650 * 24 * 60 => Some(m),
            _ => {
                self.invalid(
                    node.loc,
                    format!("`{text}` is not a duration"),
                    "write a whole number and a unit (m, h, d or w), such as 30m, 24h, 28d or 13w, up to ten years",
                );
                None
            }
        }
    }

    pub fn duration_minutes(&mut self, obj: &Obj<'_>, name: &str) -> Option<i64> {
        let node = obj.get(name)?;
        self.duration_node(node)
    }

    pub fn quarter(&mut self, obj: &Obj<'_>, name: &str) -> Option<Quarter> {
        let node = obj.get(name)?;
        let text = self.scalar(node, "a quarter")?;
        match Quarter::parse(text.trim()) {
            Ok(q) => Some(q),
            Err(e) => {
                self.invalid(node.loc, e, "quarters are calendar quarters such as 2027-Q1");
                None
            }
        }
    }

    /// A keyword from a closed set, parsed with `parse`.
    pub fn keyword_node<T>(&mut self, node: &Node, names: &[&'static str], parse: fn(&str) -> Option<T>) -> Option<T> {
        let text = self.scalar(node, "a keyword")?;
        if let Some(v) = parse(text) {
            return Some(v);
        }
        let hint = match did_you_mean(text, names.iter().copied()) {
            Some(best) => format!("did you mean `{best}`? accepted values: {}", names.join(", ")),
            None => format!("accepted values: {}", names.join(", ")),
        };
        self.invalid(node.loc, format!("`{text}` is not an accepted value here"), hint);
        None
    }

    pub fn keyword<T>(
        &mut self,
        obj: &Obj<'_>,
        name: &str,
        names: &[&'static str],
        parse: fn(&str) -> Option<T>,
    ) -> Option<T> {
        let node = obj.get(name)?;
        self.keyword_node(node, names, parse)
    }

    /// The entries of a mapping with free keys.
    pub fn entries<'n>(&mut self, obj: &Obj<'n>, name: &str, what: &str) -> Vec<(&'n Node, &'n Node)> {
        let Some(node) = obj.get(name) else {
            return Vec::new();
        };
        match &node.value {
            Value::Map(entries) => entries.iter().map(|(k, v)| (k, v)).collect(),
            _ => {
                self.invalid(
                    node.loc,
                    format!("`{name}` must be a mapping of {what}, found {}", node.describe()),
                    format!("write one `key: value` line per {what}"),
                );
                Vec::new()
            }
        }
    }
}

fn a_an(noun: &str) -> String {
    match noun.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {noun}"),
        _ => format!("a {noun}"),
    }
}

fn field_list(record: &Record) -> String {
    record.fields.iter().map(|f| format!("`{}`", f.name)).collect::<Vec<_>>().join(", ")
}
