//! Tests of the engine's computations against definitions written out the
//! slow, obvious way.

mod model;
mod scoring;
