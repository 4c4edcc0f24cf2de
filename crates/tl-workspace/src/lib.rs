//! Strategy as code: the YAML workspace format.
//!
//! This crate reads a folder of YAML files into an `engine::Model`, reporting
//! every problem with its file, line and column; renders diagnostics for
//! people, machines and CI; generates the JSON Schema of the format; and
//! writes a model back out as YAML.

pub mod decode;
pub mod import;
pub mod load;
pub mod render;
pub mod schema;
pub mod sections;
pub mod source;
pub mod tjp;
pub mod write;
pub mod yaml;

pub use load::{Workspace, load, load_texts};
