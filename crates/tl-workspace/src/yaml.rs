//! A small YAML document tree with a location on every node.
//!
//! Built from saphyr-parser's events. Scalars keep their text and whether
//! they were quoted, because the meaning of a plain `3` or `null` depends on
//! the field it is read into. Aliases are expanded, with a cap on the total
//! number of nodes so that a "billion laughs" file cannot exhaust memory.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use tl_engine::{FileId, Loc};

/// A node of a YAML document.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Scalar { text: String, plain: bool },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// Whether this is a null: an empty or `~`/`null` plain scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true } if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The text of a scalar node.
    pub fn scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// What kind of node this is, for error messages.
    pub fn describe(&self) -> &'static str {
        match &self.value {
            _ if self.is_null() => "nothing",
            Value::Scalar { .. } => "a value",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// A YAML syntax error.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    pub loc: Loc,
    pub message: String,
}

/// The most nodes one file may expand to through aliases.
const MAX_NODES: usize = 5_000_000;

/// The deepest nesting accepted. Real workspaces nest about six levels; the
/// cap keeps recursive walks (and dropping the tree) far from the stack limit.
const MAX_DEPTH: usize = 128;

/// Parses every document of a YAML stream.
pub fn parse(file: FileId, text: &str) -> Result<Vec<Node>, SyntaxError> {
    let loc_of = |span: &Span| Loc::new(file, span.start.line() as u32, span.start.col() as u32 + 1);
    let mut docs = Vec::new();
    // Each open collection: its node, and for mappings a pending key.
    enum Open {
        Seq(Node, usize),
        Map(Node, Option<Node>, usize),
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: std::collections::HashMap<usize, Node> = std::collections::HashMap::new();
    let mut n_nodes: usize = 0;
    let mut last_loc = Loc::new(file, 1, 1);

    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| SyntaxError {
            loc: Loc::new(file, e.marker().line() as u32, e.marker().col() as u32 + 1),
            message: e.info().to_string(),
        })?;
        let loc = loc_of(&span);
        last_loc = loc;
        if stack.len() > MAX_DEPTH {
            return Err(SyntaxError {
                loc,
                message: format!("lists and mappings are nested more than {MAX_DEPTH} levels deep"),
            });
        }
        let complete: Option<(Node, usize)> = match event {
            Event::Scalar(text, style, anchor, _tag) => {
                let plain = matches!(style, ScalarStyle::Plain);
                Some((Node { value: Value::Scalar { text: text.into_owned(), plain }, loc }, anchor))
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(Open::Seq(Node { value: Value::Seq(Vec::new()), loc }, anchor));
                None
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Open::Map(Node { value: Value::Map(Vec::new()), loc }, None, anchor));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Open::Seq(node, anchor)) | Some(Open::Map(node, _, anchor)) => Some((node, anchor)),
                None => None,
            },
            Event::Alias(id) => {
                let Some(target) = anchors.get(&id) else {
                    return Err(SyntaxError { loc, message: "alias to an unknown anchor".into() });
                };
                n_nodes = n_nodes.saturating_add(count_nodes(target));
                if n_nodes > MAX_NODES {
                    return Err(SyntaxError { loc, message: format!("aliases expand to more than {MAX_NODES} nodes") });
                }
                let mut copy = target.clone();
                copy.loc = loc;
                Some((copy, 0))
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) | Event::DocumentEnd | Event::Nothing => {
                None
            }
        };
        let Some((node, anchor)) = complete else {
            continue;
        };
        n_nodes += 1;
        if n_nodes > MAX_NODES {
            return Err(SyntaxError { loc, message: format!("the file has more than {MAX_NODES} nodes") });
        }
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => docs.push(node),
            Some(Open::Seq(parent, _)) => {
                if let Value::Seq(items) = &mut parent.value {
                    items.push(node);
                }
            }
            Some(Open::Map(parent, pending, _)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => {
                    if let Value::Map(entries) = &mut parent.value {
                        entries.push((key, node));
                    }
                }
            },
        }
    }
    if !stack.is_empty() {
        return Err(SyntaxError { loc: last_loc, message: "unexpected end of file".into() });
    }
    Ok(docs)
}

fn count_nodes(node: &Node) -> usize {
    match &node.value {
        Value::Scalar { .. } => 1,
        Value::Seq(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        Value::Map(entries) => 1 + entries.iter().map(|(k, v)| count_nodes(k) + count_nodes(v)).sum::<usize>(),
    }
}
