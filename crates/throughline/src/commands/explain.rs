//! `throughline explain`: what a rule checks and why.

use crate::Outcome;
use tl_engine::rules::{RULES, info};

/// Explain a rule: what it checks, why it matters, and its default severity.
#[derive(clap::Args)]
pub struct Args {
    /// The rule id, e.g. `kr-time-bound`.
    #[arg(required_unless_present = "list")]
    pub rule: Option<String>,
    /// List every rule with its summary.
    #[arg(long)]
    pub list: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    if args.list {
        for r in RULES {
            let kind = if r.load_check { "load" } else { "lint" };
            println!("{:<28} {:<8} {kind}  {}", r.id, r.severity.as_str(), r.summary);
        }
        return Ok(Outcome::Clean);
    }
    let rule = args.rule.unwrap_or_default();
    match info(&rule) {
        Some(r) => {
            println!("{} ({}, {})", r.id, r.severity, if r.load_check { "load check" } else { "lint rule" });
            println!();
            println!("{}", r.summary);
            println!();
            println!("{}", wrap(r.explanation, 78));
            if !r.load_check {
                println!();
                println!(
                    "Change its severity in the workspace with `policy: {{ rules: {{ {}: warning }} }}` (error, warning, info or off).",
                    r.id
                );
            }
            Ok(Outcome::Clean)
        }
        None => {
            let hint = tl_engine::diag::did_you_mean(&rule, RULES.iter().map(|r| r.id))
                .map(|b| format!(" Did you mean `{b}`?"))
                .unwrap_or_default();
            eprintln!("error: there is no rule `{rule}`.{hint} `throughline explain --list` lists them.");
            Ok(Outcome::Unreadable)
        }
    }
}

fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line_len = 0;
    for word in text.split_whitespace() {
        if line_len > 0 && line_len + 1 + word.len() > width {
            out.push('\n');
            line_len = 0;
        } else if line_len > 0 {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += word.len();
    }
    out
}
