//! One module per subcommand: an `Args` struct whose doc comment is the help
//! text, and a `run` function.

pub mod apply;
pub mod check;
pub mod demo;
pub mod explain;
pub mod export;
pub mod forecast;
pub mod generate;
pub mod import;
pub mod ingest;
pub mod init;
pub mod plan;
pub mod schedule;
pub mod schema;
pub mod score;
pub mod serve;
