//! Output formats and colour shared by the commands.

use std::io::IsTerminal;

/// The output formats a command can produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable text, coloured on a terminal.
    Human,
    /// One JSON document on standard output.
    Json,
    /// GitHub Actions workflow annotations.
    Github,
}

/// Colour is on when standard output is a terminal and `NO_COLOR` is unset or empty.
pub fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Output formats of the planning commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    /// Readable text.
    Human,
    /// One JSON document on standard output.
    Json,
    /// Comma-separated values, one row per item.
    Csv,
}
